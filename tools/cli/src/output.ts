/**
 * Where a command's results go: JSON (one document, or one JSON line per item for streams) with
 * --json, readable text otherwise. Progress and notes go to stderr, so stdout stays machine-readable.
 */
export class Output {
  constructor(readonly json: boolean) {}

  /** The command's result: `data` as JSON, or the text `render` makes of it. */
  result<T>(data: T, render: (data: T) => string): void {
    process.stdout.write(this.json ? `${JSON.stringify(data, bigintAsString, 2)}\n` : `${render(data)}\n`);
  }

  /** One item of a stream (tail): always a JSON line, the format a stream of records is read in. */
  line(item: unknown): void {
    process.stdout.write(`${JSON.stringify(item, bigintAsString)}\n`);
  }

  note(message: string): void {
    process.stderr.write(`${message}\n`);
  }

  progress(label: string, total?: number): ProgressBar {
    return new ProgressBar(label, total);
  }
}

function bigintAsString(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

const BAR_WIDTH = 28;

/**
 * A progress bar with count, rate and ETA on stderr: redrawn in place on a terminal, one line every
 * few seconds otherwise (CI logs), nothing when stderr is closed.
 */
export class ProgressBar {
  private done = 0;
  private readonly startedAt = Date.now();
  private lastDraw = 0;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(
    private readonly label: string,
    private total?: number,
  ) {}

  setTotal(total: number): void {
    this.total = total;
  }

  tick(count = 1): void {
    this.update(this.done + count);
  }

  /** Sets how much is done (for work measured from outside, e.g. a group's committed offsets). */
  update(done: number): void {
    this.done = done;
    const now = Date.now();
    if (now - this.lastDraw >= (this.tty ? 100 : 5000)) this.draw(now);
  }

  finish(summary?: string): void {
    this.draw(Date.now());
    if (this.tty) process.stderr.write('\n');
    if (summary) process.stderr.write(`${summary}\n`);
  }

  private draw(now: number): void {
    this.lastDraw = now;
    const seconds = Math.max((now - this.startedAt) / 1000, 0.001);
    const rate = this.done / seconds;
    let text = `${this.label} ${this.done.toLocaleString('en-US')}`;
    if (this.total !== undefined && this.total > 0) {
      const share = Math.min(this.done / this.total, 1);
      const filled = Math.round(share * BAR_WIDTH);
      const eta = rate > 0 ? Math.max(this.total - this.done, 0) / rate : Number.POSITIVE_INFINITY;
      text = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${this.done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')} ${(share * 100).toFixed(0)}% ETA ${formatSeconds(eta)}`;
    }
    text += ` ${Math.round(rate).toLocaleString('en-US')}/s`;
    process.stderr.write(this.tty ? `\r\x1b[2K${text}` : `${text}\n`);
  }
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s` : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
