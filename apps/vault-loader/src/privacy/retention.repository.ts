import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DATABASE_POOL } from '@tracking/database';

/** Tables purged by load_date, children before the hubs they point to. */
const DATED_TABLES = [
  'raw.site_tracking_events_r',
  'staging.data_quality_log',
  'staging.site_events',
  'business.site_event_details_s',
  'business.site_session_details_s',
  'business.site_visitor_details_s',
  'business.site_page_details_s',
  'business.event_session_l',
  'business.event_page_l',
  'business.event_visitor_l',
  'business.session_visitor_l',
  'business.event_business_item_l',
  'audit.audit_event_details_s',
];

/** A hub row goes once it is older than retention and nothing newer refers to it. */
const HUBS: Array<{ table: string; hk: string; referrers: Array<[table: string, column: string]> }> = [
  { table: 'business.site_event_h', hk: 'event_hk', referrers: [['business.site_event_details_s', 'event_hk'], ['business.event_session_l', 'event_hk'], ['business.event_page_l', 'event_hk'], ['business.event_visitor_l', 'event_hk'], ['business.event_business_item_l', 'event_hk']] },
  { table: 'business.site_session_h', hk: 'session_hk', referrers: [['business.site_session_details_s', 'session_hk'], ['business.event_session_l', 'session_hk'], ['business.session_visitor_l', 'session_hk']] },
  { table: 'business.site_visitor_h', hk: 'visitor_hk', referrers: [['business.site_visitor_details_s', 'visitor_hk'], ['business.event_visitor_l', 'visitor_hk'], ['business.session_visitor_l', 'visitor_hk']] },
  { table: 'business.site_page_h', hk: 'page_hk', referrers: [['business.site_page_details_s', 'page_hk'], ['business.event_page_l', 'page_hk']] },
  { table: 'business.business_item_h', hk: 'business_item_hk', referrers: [['business.event_business_item_l', 'business_item_hk']] },
  { table: 'audit.audit_event_h', hk: 'audit_hk', referrers: [['audit.audit_event_details_s', 'audit_hk']] },
];

@Injectable()
export class RetentionRepository {
  constructor(@Inject(DATABASE_POOL) private readonly pool: Pool) {}

  /** Deletes one tenant's rows loaded before the cutoff, in one transaction; returns rows deleted per table. */
  async purge(tenantHk: Buffer, cutoff: Date): Promise<Record<string, number>> {
    const client = await this.pool.connect();
    const deleted: Record<string, number> = {};
    try {
      await client.query('BEGIN');
      for (const table of DATED_TABLES) {
        deleted[table] = (await client.query(`DELETE FROM ${table} WHERE tenant_hk = $1 AND load_date < $2`, [tenantHk, cutoff])).rowCount ?? 0;
      }
      for (const hub of HUBS) {
        const orphan = hub.referrers.map(([table, column]) => `NOT EXISTS (SELECT 1 FROM ${table} r WHERE r.${column} = h.${hub.hk})`).join(' AND ');
        deleted[hub.table] = (await client.query(`DELETE FROM ${hub.table} h WHERE h.tenant_hk = $1 AND h.load_date < $2 AND ${orphan}`, [tenantHk, cutoff]))
          .rowCount ?? 0;
      }
      await client.query('COMMIT');
      return deleted;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
