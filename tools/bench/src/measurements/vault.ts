import type { BenchContext } from '../bench-context';
import { produceEvents } from '../event-producer';
import { recordsBetween } from '../kafka-positions';
import type { Measurement } from '../measurement';
import { formatNumber, ratioRow, type BenchRow } from '../results';
import { VaultTablesDatabase } from '../vault-baselines';
import { timeVaultLoad } from '../vault-loader-run';

const CUSTOMER = 'bench_vault';
const DATABASE = 'tracking_bench_vault';
/** The naive loader of the issue: 100-row INSERT statements, one transaction per 500 events. */
const NAIVE_EVENTS_PER_TRANSACTION = 500;
const NAIVE_ROWS_PER_STATEMENT = 100;

/** Times `load` of the loader's rows into the emptied tables, and checks that it put back exactly those rows. */
async function timedReload(database: VaultTablesDatabase, rows: number, what: string, load: () => Promise<unknown>): Promise<number> {
  await database.truncate();
  const started = performance.now();
  await load();
  const seconds = (performance.now() - started) / 1000;
  const reloaded = await database.countRows();
  if (reloaded !== rows) throw new Error(`${what} put back ${reloaded} rows, the loader wrote ${rows}`);
  return seconds;
}

async function copyBaseline(database: VaultTablesDatabase, rows: number): Promise<number> {
  const dumps = await database.dump();
  return timedReload(database, rows, 'the COPY baseline', () => database.copyBack(dumps));
}

async function naiveBaseline(database: VaultTablesDatabase, rows: number): Promise<number> {
  const tables = await database.readRows();
  return timedReload(database, rows, 'the naive INSERT baseline', () => database.naiveInsert(tables, NAIVE_EVENTS_PER_TRANSACTION, NAIVE_ROWS_PER_STATEMENT));
}

/**
 * The vault loader against two baselines that write the very rows it wrote, into the same tables
 * with the same indexes, constraints and row-level security, starting empty as the loader did:
 *
 * - the loader: events already on the topic, timed from its group's first Stable state until its
 *   committed offsets cover them (see timeConsumer: start-up and the join are not in the figure);
 *   it decodes Avro, maps, deduplicates and loads in one transaction per batch;
 * - COPY: the tables dumped (COPY TO STDOUT), truncated, and the dump copied back, all tables in one
 *   transaction; the same rows over the same connection kind, with none of the loader's work;
 * - naive INSERT: the same rows as multi-row INSERT ... ON CONFLICT DO NOTHING statements.
 *
 * Rates compare the same events over each one's time (events/s-equivalent), so the ratio is also
 * the ratio of rows/s.
 */
async function run(context: BenchContext): Promise<BenchRow[]> {
  context.writeCustomer(CUSTOMER);
  const databaseUrl = await context.freshDatabase(DATABASE);
  const range = await produceEvents(context, CUSTOMER, context.profile.consumerEvents);
  // Whatever else was produced meanwhile (other customers) is in the range too, and loaded too.
  const events = recordsBetween(range.from, range.to);

  context.progress(`vault: loading ${formatNumber(events)} events`);
  const load = await timeVaultLoad(context, databaseUrl, range, { label: 'vault' });
  const database = await VaultTablesDatabase.connect(databaseUrl);
  try {
    const rows = await database.countRows();

    context.progress('vault: COPY baseline');
    const copySeconds = await copyBaseline(database, rows);
    context.progress('vault: naive INSERT baseline');
    const naiveSeconds = await naiveBaseline(database, rows);

    const perSecond = (seconds: number) => events / seconds;
    const figure = { value: perSecond(load.seconds), unit: 'events/s' };
    const details = {
      'rows/s': formatNumber(rows / load.seconds),
      rows: `${formatNumber(rows)} (${formatNumber(rows / events)}/event)`,
      seconds: formatNumber(load.seconds),
    };
    return [
      ratioRow(
        'vault-loader: events into the full vault vs COPY',
        figure,
        { what: `COPY of the same rows, ${formatNumber(rows / copySeconds)} rows/s`, value: perSecond(copySeconds), unit: 'events/s' },
        { kind: 'ratio-at-least', value: 0.6 },
        details,
      ),
      ratioRow(
        'vault-loader: events into the full vault vs naive INSERT',
        figure,
        {
          what: `${NAIVE_ROWS_PER_STATEMENT}-row INSERTs, ${NAIVE_EVENTS_PER_TRANSACTION} events/transaction, ${formatNumber(rows / naiveSeconds)} rows/s`,
          value: perSecond(naiveSeconds),
          unit: 'events/s',
        },
        { kind: 'ratio-at-least', value: 2 },
        details,
      ),
    ];
  } finally {
    await database.close();
  }
}

export const VAULT: Measurement = { name: 'vault', run };
