import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DATABASE_POOL } from '@tracking/database';

/** One row of raw.site_tracking_events_r. Every column derives from the Kafka record. */
export interface RawEventRow {
  tenantHk: Buffer;
  eventId: string;
  customerId: string;
  loadDate: Date;
  recordSource: string;
  kafkaTopic: string;
  kafkaPartition: number;
  kafkaOffset: string;
  schemaId: number;
  rawPayload: string;
}

/**
 * Set-based insert of a whole batch in one statement and one transaction: arrays bound as
 * parameters and unnested, so the statement text and parameter count stay the same for any size.
 */
const INSERT_RAW_EVENTS = `
  INSERT INTO raw.site_tracking_events_r
    (tenant_hk, event_id, customer_id, load_date, record_source, kafka_topic, kafka_partition, kafka_offset, schema_id, raw_payload)
  SELECT * FROM unnest($1::bytea[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::int[], $8::bigint[], $9::int[], $10::jsonb[])
  -- A replayed or duplicated record has the same (tenant_hk, event_id): insert nothing, keep the first.
  ON CONFLICT (tenant_hk, event_id) DO NOTHING`;

@Injectable()
export class RawEventRepository {
  constructor(@Inject(DATABASE_POOL) private readonly pool: Pool) {}

  /** Inserts the rows in one transaction; resolves once committed, with the number of new rows. */
  async insertBatch(rows: readonly RawEventRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await client.query(INSERT_RAW_EVENTS, [
        rows.map((row) => row.tenantHk),
        rows.map((row) => row.eventId),
        rows.map((row) => row.customerId),
        rows.map((row) => row.loadDate),
        rows.map((row) => row.recordSource),
        rows.map((row) => row.kafkaTopic),
        rows.map((row) => row.kafkaPartition),
        rows.map((row) => row.kafkaOffset),
        rows.map((row) => row.schemaId),
        rows.map((row) => row.rawPayload),
      ]);
      await client.query('COMMIT');
      return result.rowCount ?? 0;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }
}
