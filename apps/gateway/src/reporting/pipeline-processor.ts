import { Inject, Injectable } from '@nestjs/common';
import { TOPICS } from '@tracking/contracts';
import { LOGGER, type Logger } from '@tracking/observability';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { GatewayPublisher } from '../messaging/gateway.publisher';
import { ServiceAdminClient } from '../services/service-admin.client';

const POLL_MS = 200;
/** Another flush only this long after the last: each one cuts the tenant's open objects, and small objects cost the customer. */
const REFLUSH_MS = 1000;

/** How far one consuming service got through what was on the topic when the request came. */
export interface ServiceCatchUp {
  /** It has committed every record acknowledged before the request. */
  caught_up: boolean;
  /** Records acknowledged before the request that it has not committed yet; null when Kafka could not tell. */
  behind: number | null;
}

/** What closing the tenant's open export objects gave. */
export type ExportFlush =
  | { status: 'flushed'; objects: number; events: number; failed: number }
  | { status: 'no_export'; reason: string }
  | { status: 'unavailable'; reason: string };

export interface ProcessOutcome {
  completed: boolean;
  waited_ms: number;
  services: { vault_loader: ServiceCatchUp; automation_trigger: ServiceCatchUp; exporter: ServiceCatchUp };
  export: ExportFlush;
}

/**
 * Seed 001's manual pipeline trigger, mapped to a streaming pipeline: nothing waits for a batch job,
 * so "process now" means "make what I sent visible everywhere now". The end of every partition of
 * tracking.events.v1 is taken as the mark (everything the gateway has acknowledged so far), then,
 * until every consuming group has committed past it or the deadline passes, the exporter is asked to
 * close this tenant's open objects (an open object holds its records uncommitted until its schedule).
 * The groups' commits are platform-wide: another tenant's backlog can make the answer `pending`.
 */
@Injectable()
export class PipelineProcessor {
  constructor(
    private readonly kafka: GatewayPublisher,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'consumerGroups'>,
    private readonly services: ServiceAdminClient,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async process(customerId: string, timeoutMs: number): Promise<ProcessOutcome> {
    const began = Date.now();
    const deadline = began + timeoutMs;
    const topic = TOPICS.trackingEvents;
    const marks = await this.kafka.topicEnds(topic);
    let exported: ExportFlush = await this.flushExport(customerId, deadline);
    let flushedAt = Date.now();
    for (;;) {
      const services = await this.catchUp(topic, marks);
      const completed = Object.values(services).every((service) => service.caught_up);
      if (completed || Date.now() + POLL_MS >= deadline) return { completed, waited_ms: Date.now() - began, services, export: exported };
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      // Records the exporter read since the last flush sit in a new open object: close that one too.
      if (!services.exporter.caught_up && exported.status === 'flushed' && Date.now() - flushedAt >= REFLUSH_MS) {
        exported = this.sum(exported, await this.flushExport(customerId, deadline));
        flushedAt = Date.now();
      }
    }
  }

  private async catchUp(topic: string, marks: ReadonlyMap<number, bigint>): Promise<ProcessOutcome['services']> {
    const of = async (groupId: string): Promise<ServiceCatchUp> => {
      try {
        const behind = await this.kafka.uncommittedBefore(groupId, topic, marks);
        return { caught_up: behind === 0, behind };
      } catch (error) {
        this.logger.warn({ err: error, group: groupId }, 'committed offsets unavailable');
        return { caught_up: false, behind: null };
      }
    };
    const groups = this.config.consumerGroups;
    const [vaultLoader, automationTrigger, exporter] = await Promise.all([of(groups.vaultLoader), of(groups.automationTrigger), of(groups.exporter)]);
    return { vault_loader: vaultLoader, automation_trigger: automationTrigger, exporter };
  }

  /** POST /api/v1/export/run on the exporter, for this customer only. */
  private async flushExport(customerId: string, deadline: number): Promise<ExportFlush> {
    try {
      const answer = await this.services.call<{ objects?: number; events?: number; failed?: number }>('exporter', '/api/v1/export/run', {
        method: 'POST',
        query: { customer_id: customerId },
        timeoutMs: Math.max(1000, deadline - Date.now()),
      });
      if (answer.status === 404) return { status: 'no_export', reason: 'this customer has no s3_export configuration' };
      if (answer.status < 200 || answer.status >= 300) return { status: 'unavailable', reason: this.services.refusal('exporter', answer).message };
      return { status: 'flushed', objects: answer.body?.objects ?? 0, events: answer.body?.events ?? 0, failed: answer.body?.failed ?? 0 };
    } catch (error) {
      this.logger.warn({ err: error }, 'the exporter could not be asked to flush');
      return { status: 'unavailable', reason: (error as Error).message };
    }
  }

  private sum(before: ExportFlush & { status: 'flushed' }, next: ExportFlush): ExportFlush {
    if (next.status !== 'flushed') return next;
    return { status: 'flushed', objects: before.objects + next.objects, events: before.events + next.events, failed: before.failed + next.failed };
  }
}
