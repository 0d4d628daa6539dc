/** Human-readable progress on stderr, each line stamped with the seconds since the command began. */
export class Progress {
  private readonly startedAt = Date.now();

  constructor(private readonly quiet = false) {}

  step(message: string): void {
    if (this.quiet) return;
    const seconds = ((Date.now() - this.startedAt) / 1000).toFixed(1).padStart(5);
    process.stderr.write(`[stack ${seconds}s] ${message}\n`);
  }
}
