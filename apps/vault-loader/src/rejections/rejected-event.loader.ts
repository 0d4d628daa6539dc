import { Inject, Injectable } from '@nestjs/common';
import { DependencyUnavailableError, type RejectedEvent } from '@tracking/contracts';
import type { ConsumerBatch, RejectedRecord } from '@tracking/kafka';
import { LOGGER, type Logger } from '@tracking/observability';
import { REJECTED_EVENTS } from '@tracking/vault-schema';
import { isDatabaseUnavailable } from '../loading/database-errors';
import { LoaderMetrics } from '../loading/loader.metrics';
import { RejectedEventRepository } from './rejected-event.repository';
import { rejectedEventRow } from './rejected-event.row';

/**
 * Loads batches of tracking.events.rejected.v1 into raw.rejected_events_r. The transport commits the
 * batch's offsets only after this resolves, i.e. after the insert committed; a database that is down
 * fails the batch so it is read again. A record the database refuses is tried alone and handed back
 * to be dead-lettered, the rest still load.
 */
@Injectable()
export class RejectedEventLoader {
  constructor(
    private readonly repository: RejectedEventRepository,
    private readonly metrics: LoaderMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async load(batch: ConsumerBatch<RejectedEvent>): Promise<RejectedRecord[]> {
    const items = batch.records.map(({ record, value, schemaId }) => ({
      record,
      row: rejectedEventRow(value, { topic: record.topic, partition: record.partition, offset: record.offset, schemaId }),
    }));
    try {
      this.metrics.rowsInserted.inc({ table: REJECTED_EVENTS.table }, await this.repository.load(items.map((item) => item.row)));
      return [];
    } catch (error) {
      this.throwIfUnavailable(error);
      this.logger.warn({ err: error, topic: batch.topic, partition: batch.partition }, 'rejected events refused by the database; loading them one by one');
    }
    const refused: RejectedRecord[] = [];
    for (const item of items) {
      try {
        this.metrics.rowsInserted.inc({ table: REJECTED_EVENTS.table }, await this.repository.load([item.row]));
      } catch (error) {
        this.throwIfUnavailable(error);
        refused.push({ record: item.record, reason: `refused by the database: ${(error as Error).message}` });
      }
    }
    return refused;
  }

  private throwIfUnavailable(error: unknown): void {
    if (isDatabaseUnavailable(error)) throw new DependencyUnavailableError(`the database is unavailable: ${(error as Error).message}`, { cause: error });
  }
}
