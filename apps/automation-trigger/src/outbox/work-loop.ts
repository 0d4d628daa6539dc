import type { Logger } from '@tracking/observability';

/**
 * Runs `step` again and again: at once while it reports more work, otherwise after `idleMs` or as
 * soon as someone calls wake(). A failing step (the database away) is logged and retried after
 * `idleMs`, so the loop outlives outages. stop() waits for the step in progress.
 */
export class WorkLoop {
  private running = false;
  private done: Promise<void> = Promise.resolve();
  private wakeUp?: () => void;
  private woken = false;

  constructor(
    private readonly name: string,
    private readonly idleMs: number,
    private readonly step: () => Promise<boolean>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.done = this.run();
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.done;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let more = false;
      this.woken = false;
      try {
        more = await this.step();
      } catch (error) {
        this.logger.warn({ err: error, loop: this.name }, 'step failed; trying again shortly');
      }
      if (!more && !this.woken && this.running) await this.pause();
    }
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(finish, this.idleMs);
      this.wakeUp = finish;
    });
  }
}
