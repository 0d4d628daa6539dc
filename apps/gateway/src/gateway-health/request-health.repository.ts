import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DATABASE_POOL } from '@tracking/database';
import type { ErrorSummary } from './error-summary';
import { LATENCY_BUCKETS } from './latency-histogram';

/** One tenant's requests in one minute on one instance (or summed over all of them). */
export interface MinuteTally {
  customerId: string;
  /** Start of the minute, epoch milliseconds. */
  minute: number;
  requests: number;
  errors: number;
  buckets: number[];
}

export interface StoredError {
  at: string;
  status: number;
  error_code: string;
  route: string;
  message: string;
}

/** Minutes kept: a week of p99 and error rates for the operators' health view, and a day to spare. */
const KEEP_MINUTES = `interval '8 days'`;
const KEEP_ERRORS = `interval '7 days'`;
/** Errors kept per tenant: the Overview shows the last 20; a flood of refusals must not fill the table. */
const ERRORS_PER_TENANT = 100;

const numbers = (value: unknown): number[] => (Array.isArray(value) ? value.map((item) => Number(item)) : []);

/** gateway.request_minutes and gateway.request_errors: the one place request health lives, whichever instance saw the request. */
@Injectable()
export class RequestHealthRepository {
  constructor(@Inject(DATABASE_POOL) private readonly pool: Pool) {}

  /**
   * Adds the tallies into the minute rows: additive, so instances flushing the same minute (and one
   * instance flushing a minute several times) sum instead of overwriting each other.
   */
  async addMinutes(tallies: readonly MinuteTally[]): Promise<void> {
    if (tallies.length === 0) return;
    const values: unknown[] = [];
    const rows = tallies.map((tally, index) => {
      values.push(tally.customerId, new Date(tally.minute), tally.requests, tally.errors, tally.buckets);
      const at = index * 5;
      return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}::bigint[])`;
    });
    await this.pool.query(
      `INSERT INTO gateway.request_minutes AS m (customer_id, minute, requests, errors, latency_buckets) VALUES ${rows.join(', ')}
       ON CONFLICT (customer_id, minute) DO UPDATE SET
         requests = m.requests + excluded.requests,
         errors = m.errors + excluded.errors,
         latency_buckets = ARRAY(SELECT coalesce(a, 0) + coalesce(b, 0)
                                   FROM unnest(m.latency_buckets, excluded.latency_buckets) WITH ORDINALITY AS u(a, b, i) ORDER BY i)`,
      values,
    );
  }

  async addErrors(errors: readonly ErrorSummary[]): Promise<void> {
    if (errors.length === 0) return;
    await this.pool.query(
      `INSERT INTO gateway.request_errors (customer_id, at, status, error_code, route, message)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::smallint[], $4::text[], $5::text[], $6::text[])`,
      [errors.map((e) => e.customerId), errors.map((e) => e.at), errors.map((e) => e.status), errors.map((e) => e.errorCode), errors.map((e) => e.route), errors.map((e) => e.message)],
    );
  }

  /** Keeps the tables bounded: old minutes and errors go, and each tenant keeps its newest errors only. */
  async prune(): Promise<void> {
    await this.pool.query(`DELETE FROM gateway.request_minutes WHERE minute < now() - ${KEEP_MINUTES}`);
    await this.pool.query(`DELETE FROM gateway.request_errors WHERE at < now() - ${KEEP_ERRORS}`);
    await this.pool.query(
      `DELETE FROM gateway.request_errors e
        USING (SELECT customer_id, id FROM (SELECT customer_id, id, row_number() OVER (PARTITION BY customer_id ORDER BY at DESC, id DESC) AS n FROM gateway.request_errors) ranked
                WHERE n > ${ERRORS_PER_TENANT}) old
        WHERE e.id = old.id`,
    );
  }

  /** The tenant's minutes of the last `minutes` (every minute present, zero when quiet), oldest first. */
  async minutes(customerId: string, minutes: number): Promise<MinuteTally[]> {
    const { rows } = await this.pool.query<{ minute: Date; requests: string | null; errors: string | null; latency_buckets: unknown }>(
      `SELECT g.minute, r.requests, r.errors, r.latency_buckets
         FROM generate_series(date_trunc('minute', now()) - make_interval(mins => $2::int - 1), date_trunc('minute', now()), interval '1 minute') AS g(minute)
         LEFT JOIN gateway.request_minutes r ON r.customer_id = $1 AND r.minute = g.minute
        ORDER BY g.minute`,
      [customerId, minutes],
    );
    return rows.map((row) => ({
      customerId,
      minute: row.minute.getTime(),
      requests: Number(row.requests ?? 0),
      errors: Number(row.errors ?? 0),
      buckets: row.latency_buckets === null ? new Array<number>(LATENCY_BUCKETS).fill(0) : numbers(row.latency_buckets),
    }));
  }

  /** Every tenant's minutes since `minutes` ago (only minutes with requests), for the operators' list. */
  async allMinutes(minutes: number): Promise<MinuteTally[]> {
    const { rows } = await this.pool.query<{ customer_id: string; minute: Date; requests: string; errors: string; latency_buckets: unknown }>(
      `SELECT customer_id, minute, requests, errors, latency_buckets FROM gateway.request_minutes
        WHERE minute > date_trunc('minute', now()) - make_interval(mins => $1::int) ORDER BY customer_id, minute`,
      [minutes],
    );
    return rows.map((row) => ({ customerId: row.customer_id, minute: row.minute.getTime(), requests: Number(row.requests), errors: Number(row.errors), buckets: numbers(row.latency_buckets) }));
  }

  /** The tenant's last error answers, newest first. */
  async recentErrors(customerId: string, limit: number): Promise<StoredError[]> {
    const { rows } = await this.pool.query<{ at: Date; status: number; error_code: string; route: string; message: string }>(
      `SELECT at, status, error_code, route, message FROM gateway.request_errors WHERE customer_id = $1 ORDER BY at DESC, id DESC LIMIT $2`,
      [customerId, limit],
    );
    return rows.map((row) => ({ at: row.at.toISOString(), status: Number(row.status), error_code: row.error_code, route: row.route, message: row.message }));
  }
}
