import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Admin } from 'kafkajs';
import { CONSUMER_SUBSCRIPTIONS } from '@tracking/contracts';
import { ApiError } from '@tracking/http';
import { applyGroupReplay, createKafkaClient, liveMembers, planGroupReplay, recordsReadAgain, type TopicPlan } from '@tracking/kafka';
import { LOGGER, type Logger } from '@tracking/observability';
import { CONSUMING_SERVICES } from '@tracking/services';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';

/** What each service does with records it reads again: all three are idempotent, which is why a replay is safe. */
export const REPLAY_EFFECTS: Readonly<Record<string, string>> = {
  'vault-loader':
    'loads them again; the vault deduplicates by event id and hash keys (inserts that find the row do nothing), so rows already loaded stay as they are and only missing ones are added',
  'automation-trigger':
    'evaluates the workflows again; a trigger fires once per workflow and idempotency key, so deliveries already made are not sent again',
  exporter:
    'cuts the same objects again: object names and contents are deterministic per partition and offset range, so objects already written are recognised and kept',
};

export const REPLAYABLE_SERVICES = CONSUMING_SERVICES.map((service) => service.name);

export interface PartitionReplay {
  partition: number;
  /** The group's committed offset now; null when it has none. */
  committed: string | null;
  /** Where the group would go (Kafka's offsetsForTimes for `from`, clamped to what the log holds). */
  target: string;
  /** Records read again (negative: skipped). */
  records: string;
}

export interface ServiceReplay {
  service: string;
  group: string;
  live_members: number;
  topics: Array<{ topic: string; partitions: PartitionReplay[] }>;
  records_read_again: string;
  effect: string;
}

export interface ReplayAnswer {
  dry_run: boolean;
  from: string;
  moved: boolean;
  services: ServiceReplay[];
  note: string;
}

const NOTE =
  "Moving a live group needs its service stopped: Kafka refuses to move a group with members, and a running service would overwrite the move with its next commit. Stop the services named, run the replay, then start them: they read again from the new offsets. Erased subjects stay out of what they read again (each service reads the erasure list itself). This is `tracking replay <service> --from <time>` of the CLI, the same code.";

/**
 * The console's replay (issue 21, page 9): the CLI's whole-group replay (`tracking replay <service>
 * --from <time>`) through @tracking/kafka's group-replay, the code the CLI runs: a dry run reads the
 * plan, a real run moves every named group or, when any of them has live members, none (409).
 */
@Injectable()
export class ConsoleReplayService implements OnApplicationShutdown {
  private admin?: Promise<Admin>;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'kafka' | 'consumerGroups'>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async replay(services: readonly string[], from: Date, dryRun: boolean): Promise<ReplayAnswer> {
    const admin = await this.connected();
    const planned: Array<{ answer: ServiceReplay; plans: TopicPlan[] }> = [];
    for (const name of services) {
      const spec = CONSUMING_SERVICES.find((candidate) => candidate.name === name);
      if (!spec) throw ApiError.invalid([{ field: 'services', reason: `names an unknown service "${name.slice(0, 50)}": use ${REPLAYABLE_SERVICES.join(', ')}` }], 'replay');
      const group = this.config.consumerGroups[spec.consumer.key];
      const plans = await planGroupReplay(admin, group, CONSUMER_SUBSCRIPTIONS[spec.consumer.key], { kind: 'time', at: from.getTime() });
      planned.push({
        plans,
        answer: {
          service: name,
          group,
          live_members: await liveMembers(admin, group),
          topics: plans.map((plan) => ({
            topic: plan.topic,
            partitions: plan.moves.map((move) => ({ partition: move.partition, committed: move.from?.toString() ?? null, target: move.to.toString(), records: move.delta.toString() })),
          })),
          records_read_again: recordsReadAgain(plans).toString(),
          effect: REPLAY_EFFECTS[name] ?? '',
        },
      });
    }
    const answer = { dry_run: dryRun, from: from.toISOString(), moved: false, services: planned.map((entry) => entry.answer), note: NOTE };
    if (dryRun) return answer;
    const running = planned.filter((entry) => entry.answer.live_members > 0).map((entry) => `${entry.answer.service} (group ${entry.answer.group}, ${entry.answer.live_members} live member(s))`);
    if (running.length > 0) {
      throw new ApiError(409, 'CONFLICT', `Nothing moved: ${running.join(', ')} still running. Stop them first: Kafka refuses to move a group with members, and a running service would overwrite the move.`, undefined, {}, { replay: answer });
    }
    for (const entry of planned) {
      await applyGroupReplay(admin, entry.answer.group, entry.plans);
      this.logger.info({ service: entry.answer.service, group: entry.answer.group, from: answer.from, records: entry.answer.records_read_again }, 'console replay moved a group');
    }
    return { ...answer, moved: true };
  }

  async onApplicationShutdown(): Promise<void> {
    const admin = await this.admin?.catch(() => undefined);
    await admin?.disconnect();
  }

  private connected(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = createKafkaClient(this.config.kafka, this.logger).admin();
      await admin.connect();
      return admin;
    })();
    // A failed connection is not remembered: the next replay tries again.
    this.admin.catch(() => (this.admin = undefined));
    return this.admin;
  }
}
