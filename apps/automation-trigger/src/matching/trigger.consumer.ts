import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { TOPICS, type TrackingEvent } from '@tracking/contracts';
import type { ConsumerBatch } from '@tracking/kafka';
import { TriggerMatcher } from './trigger.matcher';

/**
 * The Kafka edge: batches of tracking events in; the transport commits after their triggers are
 * recorded. It keeps consuming while automation is switched off (nothing fires, the place is kept).
 */
@Controller()
export class TriggerConsumer {
  constructor(private readonly matcher: TriggerMatcher) {}

  @EventPattern(TOPICS.trackingEvents)
  events(@Payload() batch: ConsumerBatch<TrackingEvent>): Promise<void> {
    return this.matcher.match(batch);
  }
}
