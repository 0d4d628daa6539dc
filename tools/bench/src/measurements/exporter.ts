import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from '../bench-context';
import { BenchBucket } from '../bench-bucket';
import { baselineEnv, runNode } from '../child-node';
import type { DecodeOnlySettings } from '../load/decode-only.consumer';
import { createConsumerGroup, timeConsumer, waitForCommits } from '../consumer-run';
import { produceEvents } from '../event-producer';
import { recordsBetween, type Offsets } from '../kafka-positions';
import type { Measurement } from '../measurement';
import { formatNumber, ratioRow, type BenchRow } from '../results';
import type { ServiceProcess } from '../service-process';

const BUCKET = 'tracking-bench-export';
/** The exporter's default (EXPORTER_UPLOAD_CONCURRENCY), set explicitly so that the baseline surely uses the same. */
const UPLOAD_CONCURRENCY = 8;
const MB = 1_000_000;

interface Format {
  /** s3_export.format */
  format: 'json' | 'parquet';
  label: string;
  /** The target of events/s against the decode-only consumer. */
  decodeOnlyTarget: number;
}

// JSON Lines without gzip: the bytes are the format's own, and compressing would make the row about zlib.
const FORMATS: readonly Format[] = [
  { format: 'json', label: 'JSON Lines (uncompressed)', decodeOnlyTarget: 0.5 },
  { format: 'parquet', label: 'Parquet (Snappy)', decodeOnlyTarget: 0.35 },
];

/**
 * Objects of about a quarter of each partition's share of the events: several close during the run
 * on the record limit, as they would under load, rather than all at the flush at the end.
 */
function recordsPerObject(events: number): number {
  return Math.max(100, Math.round(events / 6 / 4));
}

/** exporter_records_consumed_total: every record read, exported or skipped (other customers, duplicate event ids). */
async function recordsConsumed(service: ServiceProcess): Promise<number> {
  const metrics = await (await fetch(`${service.url}/metrics`)).text();
  const match = /^exporter_records_consumed_total(?:\{[^}]*\})? (\d+)/m.exec(metrics);
  return Number(match?.[1] ?? 0);
}

/**
 * The end of an export: once every record of the range has been read (into open objects, written
 * ones, or skipped), POST /api/v1/export/run closes the open objects (as the schedule would, later)
 * and answers when they are written; the group's commits then cover the range.
 */
async function exportedAll(context: BenchContext, service: ServiceProcess, records: number): Promise<void> {
  while ((await recordsConsumed(service)) < records) await sleep(100);
  const response = await fetch(`${service.url}/api/v1/export/run`, { method: 'POST', headers: { authorization: `Bearer ${context.adminToken}` } });
  if (!response.ok) throw new Error(`POST /api/v1/export/run: HTTP ${response.status} ${await response.text()}`);
}

/**
 * Events/s of a consumer that only reads and decodes the same records (in a process of its own, like
 * the exporter): what consuming costs before anything is encoded or written.
 */
async function decodeOnly(context: BenchContext, from: Offsets, to: Offsets): Promise<{ eventsPerSecond: number; seconds: number }> {
  const groupId = `bench-decode-only-${Date.now()}`;
  await createConsumerGroup(context, groupId, from);
  const settings: DecodeOnlySettings = {
    brokers: context.connection.kafkaBrokers,
    registryUrl: context.connection.schemaRegistryUrl,
    groupId,
    to: Object.fromEntries([...to].map(([partition, end]) => [String(partition), String(end)])),
  };
  try {
    // The exporter's baseline runs with the services' Node options and environment, as the exporter does.
    const output = await runNode(join(__dirname, '..', 'load', 'decode-only.consumer.js'), [JSON.stringify(settings)], baselineEnv());
    const { seconds, records } = JSON.parse(output.trim().split('\n').pop() ?? '') as { seconds: number; records: number };
    return { eventsPerSecond: records / seconds, seconds };
  } finally {
    await context.admin.deleteGroups([groupId]).catch(() => undefined);
  }
}

async function measureFormat(context: BenchContext, bucket: BenchBucket, format: Format, runId: string): Promise<BenchRow[]> {
  const customerId = `bench_export_${format.format}`;
  const prefix = `bench/${runId}/${format.format}`;
  const events = context.profile.consumerEvents;
  const range = await produceEvents(context, customerId, events, 13);
  const groupId = `bench-exporter-${format.format}-${Date.now()}`;
  await createConsumerGroup(context, groupId, range.from);

  context.progress(`exporter: ${formatNumber(events)} events as ${format.label}`);
  const run = await timeConsumer(context, {
    service: 'exporter',
    env: {
      ...context.serviceEnv(context.connection.databaseUrl),
      EXPORTER_GROUP_ID: groupId,
      EXPORTER_MAX_RECORDS_PER_OBJECT: String(recordsPerObject(events)),
      EXPORTER_UPLOAD_CONCURRENCY: String(UPLOAD_CONCURRENCY),
    },
    groupId,
    to: range.to,
    done: async (service) => {
      await exportedAll(context, service, recordsBetween(range.from, range.to));
      await waitForCommits(context, groupId, range.to, 'exporter');
    },
  });
  await run.service.stop();
  await context.admin.deleteGroups([groupId]).catch(() => undefined);

  // Everything the exporter put under the prefix (objects and whatever it keeps beside them) is
  // what the baseline writes again, so both figures are the same bytes over each one's time.
  const written = await bucket.read(await bucket.keys(`${prefix}/`), UPLOAD_CONCURRENCY);
  const bytes = written.reduce((sum, object) => sum + object.body.length, 0);
  const dataObjects = written.filter((object) => /\.(jsonl|parquet)$/.test(object.key));
  const copies = written.map((object) => ({ key: `bench-baseline/${object.key}`, body: object.body }));
  context.progress(`exporter: PutObject baseline, ${written.length} objects, ${formatNumber(bytes / MB)} MB`);
  const started = performance.now();
  await bucket.write(copies, UPLOAD_CONCURRENCY);
  const putSeconds = (performance.now() - started) / 1000;
  await bucket.deletePrefix(`${prefix}/`);
  await bucket.deletePrefix(`bench-baseline/${prefix}/`);

  context.progress(`exporter: decode-only baseline over the same ${formatNumber(events)} records`);
  const decoding = await decodeOnly(context, range.from, range.to);
  const throughput = ratioRow(
    `exporter ${format.label}, events/s`,
    { value: events / run.seconds, unit: 'events/s' },
    { what: 'decode-only consumer reading the same records (kafkajs + Avro decode, nothing else)', value: decoding.eventsPerSecond, unit: 'events/s' },
    { kind: 'ratio-at-least', value: format.decodeOnlyTarget },
    { 'decode-only seconds': formatNumber(decoding.seconds), 'exporter seconds': formatNumber(run.seconds) },
  );
  const output = ratioRow(
    `exporter MB/s: ${format.label} into S3`,
    { value: bytes / MB / run.seconds, unit: 'MB/s' },
    { what: `PutObject of the same ${written.length} bodies, ${UPLOAD_CONCURRENCY} at a time`, value: bytes / MB / putSeconds, unit: 'MB/s' },
    { kind: 'report' },
    {
      'events/s': formatNumber(events / run.seconds),
      objects: `${dataObjects.length} of at most ${formatNumber(recordsPerObject(events))} events`,
      'files beside them': String(written.length - dataObjects.length),
      MB: formatNumber(bytes / MB),
      seconds: formatNumber(run.seconds),
    },
  );
  return [throughput, output];
}

/** Exporter throughput per format: events/s against a decode-only consumer, MB/s against PutObject of exactly the bytes it wrote. */
async function run(context: BenchContext): Promise<BenchRow[]> {
  const bucket = new BenchBucket(context.connection.s3Endpoint, BUCKET);
  const runId = new Date().toISOString().replace(/[:.]/g, '-');
  try {
    await bucket.create();
    // The exporter reads every customer at start, so all bench customers with an export exist before the first run.
    for (const format of FORMATS) {
      context.writeCustomer(`bench_export_${format.format}`, {
        s3_export: {
          client_bucket: BUCKET,
          prefix: `bench/${runId}/${format.format}`,
          region: 'us-east-1',
          format: format.format,
          compression: 'none',
          schedule: 'hourly',
          credentials: { access_key: { env: 'LOCAL_S3_ACCESS_KEY_ID' }, secret_key: { env: 'LOCAL_S3_SECRET_ACCESS_KEY' } },
        },
      });
    }
    const rows: BenchRow[] = [];
    for (const format of FORMATS) rows.push(...(await measureFormat(context, bucket, format, runId)));
    return rows;
  } finally {
    bucket.destroy();
  }
}

export const EXPORTER: Measurement = { name: 'exporter', run };
