import type { BenchContext } from '../bench-context';
import { produceEvents } from '../event-producer';
import { recordsBetween } from '../kafka-positions';
import type { Measurement } from '../measurement';
import { formatNumber, type BenchRow } from '../results';
import { VaultTablesDatabase } from '../vault-baselines';
import { timeVaultLoad } from '../vault-loader-run';

const CUSTOMER = 'bench_replay';
const DATABASE = 'tracking_bench_replay';
const REPORT_EVERY_MS = 5000;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  return seconds >= 90 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds)} s`;
}

/**
 * Reloading the vault from the topic, as after a disaster or a schema change: the profile's replay
 * events (1,000,000 in the full run) are put on the topic first (not timed), then the loader reads
 * them into an empty vault under a new group. Timed as the vault measurement is: from the group's
 * first Stable state until everything is committed, i.e. loaded and durable.
 */
async function run(context: BenchContext): Promise<BenchRow[]> {
  context.writeCustomer(CUSTOMER);
  const range = await produceEvents(context, CUSTOMER, context.profile.replayEvents, 11);
  const databaseUrl = await context.freshDatabase(DATABASE);
  const events = recordsBetween(range.from, range.to);

  let first: { at: number; remaining: number } | undefined;
  let last: { at: number; remaining: number } | undefined;
  const load = await timeVaultLoad(context, databaseUrl, range, {
    label: 'replay',
    onProgress: (remaining) => {
      const now = performance.now();
      first ??= { at: now, remaining };
      last ??= first;
      if (now - last.at < REPORT_EVERY_MS) return;
      const recent = ((last.remaining - remaining) * 1000) / (now - last.at);
      // Batches commit 2,000 records at a time, so the last few seconds' rate jumps; the ETA uses the average.
      const average = ((first.remaining - remaining) * 1000) / (now - first.at);
      context.progress(`replay: ${formatNumber(events - remaining)} / ${formatNumber(events)} events, ${formatNumber(recent)} events/s, ETA ${duration(remaining / average)}`);
      last = { at: now, remaining };
    },
  });

  const database = await VaultTablesDatabase.connect(databaseUrl);
  const rows = await database.countRows().finally(() => database.close());
  // About 5 GB after the full run's million events: not something to leave on a developer's disk.
  await context.dropDatabase(DATABASE);
  return [
    {
      what: `replay: ${formatNumber(events)} events into an empty vault`,
      figure: { value: load.seconds, unit: 's' },
      // The target is for the full run's million; the quick run's few thousand only show the shape.
      target: events >= 1_000_000 ? { kind: 'at-most', value: 300, unit: 's' } : { kind: 'report' },
      details: { 'events/s': formatNumber(events / load.seconds), 'rows/s': formatNumber(rows / load.seconds), rows: formatNumber(rows) },
    },
  ];
}

export const REPLAY: Measurement = { name: 'replay', run };
