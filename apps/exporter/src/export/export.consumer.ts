import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { TOPICS, type TrackingEvent } from '@tracking/contracts';
import { COMMIT_EXPLICITLY, type ConsumerBatch, type KafkaBatchContext } from '@tracking/kafka';
import { ExportService } from './export.service';

/**
 * The Kafka edge of the exporter. Objects span fetched batches, so the exporter commits itself
 * (PartitionRegistry), never past a record not yet durable in S3.
 */
@Controller()
export class ExportConsumer {
  constructor(private readonly exports: ExportService) {}

  @EventPattern(TOPICS.trackingEvents, COMMIT_EXPLICITLY)
  events(@Payload() batch: ConsumerBatch<TrackingEvent>, @Ctx() context: KafkaBatchContext): Promise<void> {
    return this.exports.consume(batch, context);
  }
}
