import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { TOPICS, type AuditRecord, type RejectedEvent, type TrackingEvent } from '@tracking/contracts';
import type { BatchOutcome, ConsumerBatch } from '@tracking/kafka';
import { RejectedEventLoader } from '../rejections/rejected-event.loader';
import { VaultLoadService } from './vault-load.service';

/** The Kafka edge of the loader: batches of events, audit records and bad rows in; the transport commits after each database commit. */
@Controller()
export class VaultConsumer {
  constructor(
    private readonly loader: VaultLoadService,
    private readonly rejections: RejectedEventLoader,
  ) {}

  @EventPattern(TOPICS.trackingEvents)
  events(@Payload() batch: ConsumerBatch<TrackingEvent>): Promise<BatchOutcome> {
    return this.loader.loadEvents(batch);
  }

  @EventPattern(TOPICS.trackingAudit)
  audits(@Payload() batch: ConsumerBatch<AuditRecord>): Promise<BatchOutcome> {
    return this.loader.loadAudits(batch);
  }

  @EventPattern(TOPICS.trackingEventsRejected)
  rejected(@Payload() batch: ConsumerBatch<RejectedEvent>): Promise<BatchOutcome> {
    return this.rejections.load(batch);
  }
}
