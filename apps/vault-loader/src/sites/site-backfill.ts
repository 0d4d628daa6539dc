import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { TrackingEvent } from '@tracking/contracts';
import { DATABASE_POOL, inTransaction } from '@tracking/database';
import { LOGGER, type Logger } from '@tracking/observability';
import { HUBS, LINKS, QUALITY_LOG, RAW_EVENTS, SATELLITES, STAGED_EVENTS } from '@tracking/vault-schema';
import { APPLY_ROLLUPS, CLEAR_EMPTY_ROLLUPS, CREATE_DELTA_TABLES, eventDelta, issueDelta } from '../vault/rollup-statements';
import { VaultRows, mapTrackingEvent } from '../vault/vault-model';
import { VaultRepository } from '../vault/vault.repository';
import { SiteCatalog } from './site-catalog';

/** The tables whose rows a site adds to an event already in the vault. */
const SITE_TABLES = [HUBS.site, HUBS.apiKey, LINKS.eventSite, LINKS.sessionSite, LINKS.pageSite, LINKS.siteApiKey, SATELLITES.site, SATELLITES.apiKey];

export interface SiteBackfillReport {
  /** Staged events without a site that were looked at. */
  examined: number;
  /** Those that got one (the others have no page and no key site: server events). */
  sited: number;
  /** Rows the site tables gained. */
  rows_inserted: Record<string, number>;
}

/**
 * Gives the events loaded before migration Sites the site a load of their records gives today: for
 * every staged event whose site_id is NULL, the raw record is mapped again (the same mapTrackingEvent,
 * the same siteIdFor over the customer's current configuration) and only its site rows are kept:
 * site and key hubs, links (to the ghost site for an event without one) and satellites, with the
 * record's own load date and source. Staging and
 * the quality log get the site_id, and the rollups count those events out without a site and back in
 * with it, in the same transaction (as an erasure does). Idempotent: a second run finds only events
 * that have no site, whose rows are there already.
 */
@Injectable()
export class SiteBackfill {
  constructor(
    @Inject(DATABASE_POOL) private readonly pool: Pool,
    private readonly vault: VaultRepository,
    private readonly catalog: SiteCatalog,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async run(chunk = 1000): Promise<SiteBackfillReport> {
    const report: SiteBackfillReport = { examined: 0, sited: 0, rows_inserted: {} };
    let after: { tenantHk: Buffer; eventId: string } | undefined;
    for (;;) {
      const outcome = await this.backfillChunk(after, chunk, report);
      if (!outcome) break;
      after = outcome;
    }
    this.logger.info({ ...report }, 'site backfill finished');
    return report;
  }

  /** One chunk in one transaction; the key to continue after, undefined when there was nothing left. */
  private backfillChunk(after: { tenantHk: Buffer; eventId: string } | undefined, limit: number, report: SiteBackfillReport) {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ tenant_hk: Buffer; event_id: string; raw_payload: TrackingEvent; kafka_topic: string; kafka_partition: number; kafka_offset: string; schema_id: number }>(
        `SELECT r.tenant_hk, r.event_id, r.raw_payload, r.kafka_topic, r.kafka_partition, r.kafka_offset, r.schema_id
           FROM ${STAGED_EVENTS.table} s JOIN ${RAW_EVENTS.table} r ON r.tenant_hk = s.tenant_hk AND r.event_id = s.event_id
          WHERE s.site_id IS NULL AND ($1::bytea IS NULL OR (s.tenant_hk, s.event_id) > ($1::bytea, $2::text))
          ORDER BY s.tenant_hk, s.event_id LIMIT $3
          FOR UPDATE OF s`,
        [after?.tenantHk ?? null, after?.eventId ?? null, limit],
      );
      const last = rows.at(-1);
      if (!last) return undefined;
      report.examined += rows.length;

      const siteRows = new VaultRows();
      const sited: Array<{ tenantHk: Buffer; eventId: string; siteId: string }> = [];
      for (const row of rows) {
        // A record stored before the field existed has no site_id at all: the reader schema's default.
        const event: TrackingEvent = { ...row.raw_payload, site_id: row.raw_payload.site_id ?? null };
        const sites = this.catalog.sitesOf(event.customer_id);
        const siteId = sites.siteOf(event);
        if (siteId !== null) sited.push({ tenantHk: row.tenant_hk, eventId: row.event_id, siteId });
        // Without a site too: its session and key link to the ghost site, its key has a hub.
        const mapped = new VaultRows();
        mapTrackingEvent(event, { topic: row.kafka_topic, partition: row.kafka_partition, offset: row.kafka_offset, schemaId: row.schema_id }, mapped, sites);
        for (const spec of SITE_TABLES) for (const siteRow of mapped.byTable.get(spec.table)?.rows ?? []) siteRows.add(spec, siteRow);
      }
      report.sited += sited.length;
      // Hubs, links and satellites first: their load adds nothing to the rollups, so the deltas below start empty.
      for (const [table, count] of await this.vault.loadInto(client, siteRows)) report.rows_inserted[table] = (report.rows_inserted[table] ?? 0) + count;
      if (sited.length === 0) return { tenantHk: last.tenant_hk, eventId: last.event_id };
      const values = [sited.map((item) => item.tenantHk), sited.map((item) => item.eventId), sited.map((item) => item.siteId)];
      const changed = (table: string) =>
        `(SELECT t.* FROM ${table} t JOIN unnest($1::bytea[], $2::text[]) AS u(tenant_hk, event_id) ON t.tenant_hk = u.tenant_hk AND t.event_id = u.event_id) AS changed`;
      const ids = values.slice(0, 2);
      await client.query(`SET LOCAL client_min_messages = warning; ${CREATE_DELTA_TABLES}`);
      await client.query(eventDelta(changed(STAGED_EVENTS.table), -1), ids);
      await client.query(issueDelta(changed(QUALITY_LOG.table), -1), ids);
      for (const table of [STAGED_EVENTS.table, QUALITY_LOG.table]) {
        await client.query(
          `UPDATE ${table} t SET site_id = u.site_id FROM unnest($1::bytea[], $2::text[], $3::text[]) AS u(tenant_hk, event_id, site_id)
            WHERE t.tenant_hk = u.tenant_hk AND t.event_id = u.event_id`,
          values,
        );
      }
      await client.query(eventDelta(changed(STAGED_EVENTS.table), 1), ids);
      await client.query(issueDelta(changed(QUALITY_LOG.table), 1), ids);
      for (const statement of [...APPLY_ROLLUPS, ...CLEAR_EMPTY_ROLLUPS]) await client.query(statement);
      return { tenantHk: last.tenant_hk, eventId: last.event_id };
    });
  }
}
