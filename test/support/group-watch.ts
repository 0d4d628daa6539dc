import type { Admin } from 'kafkajs';
import { testKafka } from './test-kafka';

/** What the group coordinator said of a group at one moment. */
export interface GroupSighting {
  at: number;
  state: string;
  members: number;
}

/**
 * Asks the coordinator every `intervalMs` how each group is (its state and member count) and keeps
 * every change, so a drill can tell how long a group stopped consuming after a membership change:
 * the broker's view, whichever member logs what. While a group is not Stable none of its members
 * consumes (kafkajs 2.2 rebalances eagerly); a SIGKILLed member's partitions stand still from the
 * kill until the group is Stable again without it.
 */
export class GroupWatch {
  private readonly admin: Admin;
  private readonly sightings = new Map<string, GroupSighting[]>();
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;

  constructor(
    brokers: string[],
    private readonly groups: readonly string[],
    private readonly intervalMs = 100,
  ) {
    this.admin = testKafka(brokers, 'drill-group-watch').admin();
    for (const group of groups) this.sightings.set(group, []);
  }

  async start(): Promise<void> {
    await this.admin.connect();
    await this.poll();
    const tick = (): void => {
      this.polling = this.poll().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    this.timer = setTimeout(tick, this.intervalMs);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
    await this.admin.disconnect();
  }

  /** The latest sighting of a group. */
  now(group: string): GroupSighting | undefined {
    return this.sightings.get(group)?.at(-1);
  }

  /**
   * From `since` until the group was first seen Stable with `members` members: how long the
   * change begun at `since` kept the group (or a dead member's partitions) from consuming. Also how
   * much of that the group spent not Stable, every member stopped. Undefined while that has not happened.
   */
  pauseAfter(group: string, since: number, members: number): { untilStableMs: number; notStableMs: number } | undefined {
    const seen = this.sightings.get(group) ?? [];
    let notStableMs = 0;
    let notStableSince: number | undefined;
    for (const sighting of seen) {
      if (sighting.at < since) {
        notStableSince = sighting.state === 'Stable' ? undefined : since;
        continue;
      }
      if (sighting.state !== 'Stable') {
        notStableSince ??= sighting.at;
        continue;
      }
      if (notStableSince !== undefined) notStableMs += sighting.at - notStableSince;
      notStableSince = undefined;
      if (sighting.members === members) return { untilStableMs: sighting.at - since, notStableMs };
    }
    return undefined;
  }

  private async poll(): Promise<void> {
    try {
      const { groups } = await this.admin.describeGroups([...this.groups]);
      const at = Date.now();
      for (const group of groups) {
        const seen = this.sightings.get(group.groupId);
        const last = seen?.at(-1);
        // Only changes are kept, plus the first sighting after each: enough to tell when a state began and ended.
        if (seen && (!last || last.state !== group.state || last.members !== group.members.length)) seen.push({ at, state: group.state, members: group.members.length });
      }
    } catch {
      // A coordinator moving answers with an error for a moment; the next poll sees the group again.
    }
  }
}
