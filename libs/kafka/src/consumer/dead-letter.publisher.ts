import type { TopicName } from '@tracking/contracts';
import { deadLetterMessage } from '../dead-letter-message';
import type { RejectedRecord } from './consumer-batch';
import type { ServicePublisher } from './service-publisher';

/**
 * Parks records a service can never process on its dead-letter topic, untouched, with the reason and
 * their place, so the rest goes on.
 */
export class DeadLetterPublisher {
  constructor(
    private readonly publisher: ServicePublisher,
    readonly topic: TopicName,
  ) {}

  async publish(records: readonly RejectedRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.publisher.send(this.topic, records.map(({ record, reason }) => deadLetterMessage(record, reason)));
  }
}
