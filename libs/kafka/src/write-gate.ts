import { noPartitionWritable, unwritableReason, type TopicHealth } from './topic-health';

export interface WriteGateOptions {
  /** Metadata is asked for at most this often, however many requests fail or are refused. */
  minIntervalMs: number;
  /** A verdict older than this is ignored: the next produce request goes to Kafka and finds out. */
  maxAgeMs: number;
}

/**
 * Refuses writes at once while the cluster's metadata says that no partition of a topic can take an
 * acks=all write (none has a leader with min.insync.replicas in sync). Kafka would refuse each of
 * them with NOT_ENOUGH_REPLICAS, but the idempotent producer retries that error until the caller's
 * deadline: without the gate every request waits out the whole deadline before its 503.
 *
 * The metadata is read only when a produce request failed or is slow (refresh), and again while
 * writes are being refused, so the gate opens within `minIntervalMs` of the cluster recovering. A
 * verdict that could not be renewed expires after `maxAgeMs` and never holds writes back on its own.
 */
export class WriteGate {
  private readonly refused = new Map<string, { reason: string; at: number }>();
  private refreshing = false;
  private lastRefresh = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly topics: readonly string[],
    private readonly health: (topic: string) => Promise<TopicHealth>,
    private readonly options: WriteGateOptions = { minIntervalMs: 500, maxAgeMs: 3000 },
    private readonly now: () => number = Date.now,
  ) {}

  /** Why a write to these topics would fail now, or undefined when it may go to Kafka. */
  refusal(topics: readonly string[]): string | undefined {
    const now = this.now();
    const reasons = topics.flatMap((topic) => {
      const verdict = this.refused.get(topic);
      return verdict && now - verdict.at <= this.options.maxAgeMs ? [verdict.reason] : [];
    });
    if (reasons.length === 0) return undefined;
    // Keeps the verdict fresh while refusing, which is also how the gate notices the recovery.
    this.refresh();
    return reasons.join('; ');
  }

  /** A produce request failed or is taking long: read the topics' metadata again (at most once per interval). */
  refresh(): void {
    const now = this.now();
    if (this.refreshing || now - this.lastRefresh < this.options.minIntervalMs) return;
    this.refreshing = true;
    this.lastRefresh = now;
    void Promise.all(
      this.topics.map(async (topic) => {
        const health = await this.health(topic);
        if (noPartitionWritable(health)) this.refused.set(topic, { reason: unwritableReason(health) ?? `no partition of ${topic} can take writes`, at: this.now() });
        else this.refused.delete(topic);
      }),
    )
      // Metadata unreachable: the verdicts stand until they expire.
      .catch(() => undefined)
      .finally(() => {
        this.refreshing = false;
      });
  }
}
