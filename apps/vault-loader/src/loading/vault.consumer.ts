import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { TOPICS, type AuditRecord, type TrackingEvent } from '@tracking/contracts';
import type { BatchOutcome, ConsumerBatch } from '@tracking/kafka';
import { VaultLoadService } from './vault-load.service';

/** The Kafka edge of the loader: batches of events and audit records in; the transport commits after each database commit. */
@Controller()
export class VaultConsumer {
  constructor(private readonly loader: VaultLoadService) {}

  @EventPattern(TOPICS.trackingEvents)
  events(@Payload() batch: ConsumerBatch<TrackingEvent>): Promise<BatchOutcome> {
    return this.loader.loadEvents(batch);
  }

  @EventPattern(TOPICS.trackingAudit)
  audits(@Payload() batch: ConsumerBatch<AuditRecord>): Promise<BatchOutcome> {
    return this.loader.loadAudits(batch);
  }
}
