import { STAGED_EVENTS } from '@tracking/vault-schema';
import { APPLY_ROLLUPS, BACKFILL_DIMENSIONS, BACKFILL_ROLLUPS, BACKFILL_SKETCHES, DIMENSION_ROLLED_UP, CLEAR_EMPTY_ROLLUPS, CREATE_DELTA_TABLES, ROLLED_UP, capturingInserted, rollupKeys } from './rollup-statements';
import { loadStatement } from './vault-statements';

describe('rollup statements', () => {
  it('keeps the generated rollup SQL in front of reviewers', () => {
    expect({ CREATE_DELTA_TABLES, APPLY_ROLLUPS, CLEAR_EMPTY_ROLLUPS, BACKFILL_ROLLUPS, BACKFILL_SKETCHES, BACKFILL_DIMENSIONS }).toMatchSnapshot();
  });

  it('records in the delta exactly the rows the staging insert inserted', () => {
    const sut = capturingInserted(loadStatement(STAGED_EVENTS), STAGED_EVENTS);
    expect(sut).toMatch(/^WITH inserted AS \(\nINSERT INTO staging\.site_events [\s\S]*ON CONFLICT \(tenant_hk, event_id, load_date\) DO NOTHING\nRETURNING tenant_hk, occurred_at, /);
    expect(sut).toMatch(/\nINSERT INTO rollup_event_delta \([^)]*, sign\) SELECT [^;]*, 1 FROM inserted$/);
  });

  it('adds to each rollup by its whole grain, tenant and period first', () => {
    for (const [index, rollup] of ROLLED_UP.entries()) {
      const keys = rollupKeys(rollup);
      expect(keys.slice(0, 1)).toEqual(['tenant_hk']);
      expect(APPLY_ROLLUPS[index]).toContain(`ON CONFLICT (${keys.join(', ')}) DO UPDATE SET events = r.events + EXCLUDED.events`);
      expect(CLEAR_EMPTY_ROLLUPS[index]).toContain(`r.${keys[1]} = d.period AND r.events = 0`);
    }
  });

  it('adds to each per-dimension rollup and clears its empty rows as to the others, and backfills it by the same statement', () => {
    for (const rollup of DIMENSION_ROLLED_UP) {
      const keys = rollupKeys(rollup);
      expect(keys).toEqual(['tenant_hk', 'day', 'site_id', 'dimension', 'value_1', 'value_2']);
      const apply = APPLY_ROLLUPS.find((statement) => statement.startsWith(`INSERT INTO ${rollup.table} `)) ?? '';
      expect(apply).toContain(`FROM rollup_event_delta CROSS JOIN LATERAL (VALUES`);
      expect(apply).toContain(`ON CONFLICT (${keys.join(', ')}) DO UPDATE SET events = r.events + EXCLUDED.events`);
      expect(CLEAR_EMPTY_ROLLUPS.some((statement) => statement.startsWith(`DELETE FROM ${rollup.table} r `) && statement.includes('r.events = 0'))).toBe(true);
      expect(BACKFILL_DIMENSIONS.find((statement) => statement.startsWith(`INSERT INTO ${rollup.table} `))?.replace(/FROM \(SELECT [^)]*\) AS stored/, 'FROM rollup_event_delta')).toBe(apply);
    }
  });
});
