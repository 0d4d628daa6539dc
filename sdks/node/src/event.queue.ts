/** What the queue needs to know of an entry: its order and its serialized size. */
export interface Sized {
  seq: number;
  bytes: number;
}

/**
 * Events waiting to be sent, oldest first. Batches are cut from the head so events leave in the
 * order they were tracked (the gateway keys a session's events to one partition; order holds
 * within a client as long as batches go one at a time).
 */
export class EventQueue<T extends Sized> {
  private items: T[] = [];

  get length(): number {
    return this.items.length;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[0];
  }

  /**
   * Removes and returns the next batch: at most `maxCount` events and `maxBytes` bytes, but always
   * at least one event, so an oversized event is still sent (and refused by the gateway with a
   * reason) instead of blocking the queue for ever.
   */
  take(maxCount: number, maxBytes: number): T[] {
    let count = 0;
    let bytes = 0;
    while (count < this.items.length && count < maxCount) {
      const next = this.items[count];
      if (count > 0 && bytes + next.bytes > maxBytes) break;
      bytes += next.bytes;
      count += 1;
    }
    return this.items.splice(0, count);
  }

  /** Empties the queue (close() gave up) and returns what was in it. */
  drain(): T[] {
    const all = this.items;
    this.items = [];
    return all;
  }
}
