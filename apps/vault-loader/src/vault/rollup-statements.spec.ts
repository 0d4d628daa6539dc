import { STAGED_EVENTS } from '@tracking/vault-schema';
import { APPLY_ROLLUPS, BACKFILL_ROLLUPS, BACKFILL_SKETCHES, CLEAR_EMPTY_ROLLUPS, CREATE_DELTA_TABLES, ROLLED_UP, capturingInserted, rollupKeys } from './rollup-statements';
import { loadStatement } from './vault-statements';

describe('rollup statements', () => {
  it('keeps the generated rollup SQL in front of reviewers', () => {
    expect({ CREATE_DELTA_TABLES, APPLY_ROLLUPS, CLEAR_EMPTY_ROLLUPS, BACKFILL_ROLLUPS, BACKFILL_SKETCHES }).toMatchSnapshot();
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
});
