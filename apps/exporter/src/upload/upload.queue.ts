/**
 * Bounds the objects being written at once, and the input bytes held by objects waiting to be
 * written: consumption waits for room instead of growing memory without bound.
 */
export class UploadQueue {
  private active = 0;
  private readonly slots: Array<() => void> = [];
  private readonly roomWaiters: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  pendingBytes = 0;
  pendingTasks = 0;

  constructor(
    private readonly concurrency: number,
    private readonly maxPendingBytes: number,
  ) {}

  /**
   * Runs `task` in a slot. The task may call `release` once it no longer writes (e.g. while it waits
   * for Kafka after its copies landed): its slot goes to the next object, while its bytes still count
   * as waiting and idle() still waits for it, until it ends.
   */
  async run<T>(bytes: number, task: (release: () => void) => Promise<T>): Promise<T> {
    this.pendingBytes += bytes;
    this.pendingTasks += 1;
    try {
      if (this.active >= this.concurrency) await new Promise<void>((resolve) => this.slots.push(resolve));
      this.active += 1;
      let held = true;
      const release = (): void => {
        if (!held) return;
        held = false;
        this.active -= 1;
        this.slots.shift()?.();
      };
      try {
        return await task(release);
      } finally {
        release();
      }
    } finally {
      this.pendingBytes -= bytes;
      this.pendingTasks -= 1;
      if (this.pendingBytes < this.maxPendingBytes) this.roomWaiters.splice(0).forEach((wake) => wake());
      if (this.pendingTasks === 0) this.idleWaiters.splice(0).forEach((wake) => wake());
    }
  }

  /** Whether the bytes waiting are under the limit now. */
  get hasRoom(): boolean {
    return this.pendingBytes < this.maxPendingBytes;
  }

  /** True once the bytes waiting are under the limit; false if they still are not after `timeoutMs`. */
  async room(timeoutMs: number): Promise<boolean> {
    if (this.pendingBytes < this.maxPendingBytes) return true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.roomWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.pendingBytes < this.maxPendingBytes;
  }

  /** Resolves once nothing is queued or being written. */
  async idle(): Promise<void> {
    while (this.pendingTasks > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}
