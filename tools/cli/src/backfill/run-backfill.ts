import { CustomerStoreClient } from '@tracking/customer-store';
import { resolve } from 'node:path';
import { IngestionPipeline, DEFAULT_INGESTION_LIMITS } from '@tracking/ingestion';
import { PublishError } from '@tracking/kafka';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { STACK_HINT, registryUnreachable } from '../inspect/connection-errors';
import { loadErasureList } from '../privacy/cli-erasure-list';
import { AccessLogMapper } from './access-log.mapper';
import { loadBackfillCustomer } from './backfill-customer';
import { renderSummary, type BackfillSummary } from './backfill-summary';
import { BackfillRunner, type EventSink } from './backfill.runner';
import type { BackfillSettings } from './backfill.settings';
import { keyedUuid } from './deterministic-uuid';
import { resolveInputFiles, type InputFile } from './input-files';
import { DRY_RUN_SINK, KafkaEventSink } from './kafka-event.sink';
import { readLines } from './line.reader';
import { accessLogSource, csvSource, jsonLinesSource } from './record-sources';
import { RejectsFileWriter } from './rejects-file.writer';
import { Sessionizer } from './sessionizer';
import type { RecordSource } from './source-record';

/** A batch of a backfill is larger than a gateway request; give the broker longer to acknowledge it. */
const ACK_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 20_000;

function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Registry first (a quick ping, so "down" is told apart from "refused the schema"), then the broker. */
async function openKafkaSink(context: CliContext): Promise<KafkaEventSink> {
  const registry = context.registry();
  try {
    await registry.ping();
  } catch (error) {
    throw registryUnreachable(context.registryUrl, error);
  }
  try {
    return await withDeadline(KafkaEventSink.open(context.kafka(), registry, { ackTimeoutMs: ACK_TIMEOUT_MS }), CONNECT_TIMEOUT_MS, 'Kafka');
  } catch (error) {
    throw new CliError(`cannot publish to Kafka at ${context.brokers.join(',')}: ${(error as Error).message}`, `${STACK_HINT}, or pass --brokers. Nothing was published.`);
  }
}

function sourceFactory(settings: BackfillSettings, files: readonly InputFile[]): (file: InputFile) => RecordSource {
  let accessLogs: RecordSource | undefined;
  if (files.some((file) => file.format === 'access-log')) {
    if (!settings.siteOrigin) {
      throw new CliError('access logs hold paths, not URLs: --site is required to make page URLs of them', 'Pass the site the log belongs to, e.g. --site https://www.example.com');
    }
    // One sessionizer for all files: a directory of rotated logs is one history, and a visit can span two files.
    const sessions = new Sessionizer((visitor, startedAt) => keyedUuid(settings.hashKey, ['tracking-backfill/session/v1', settings.customerId, visitor, startedAt]));
    accessLogs = accessLogSource(new AccessLogMapper(settings.siteOrigin, sessions));
  }
  return (file) => {
    if (file.format === 'jsonl') return jsonLinesSource;
    if (file.format === 'csv') return csvSource;
    if (!accessLogs) throw new Error(`${file.path}: access log reader not set up`);
    return accessLogs;
  };
}

/**
 * `tracking backfill`: resolves everything that can fail cheaply (customer, files, rejects file,
 * Kafka and the registry) before reading a line, then runs the files through the gateway's pipeline.
 */
export async function runBackfill(context: CliContext, settings: BackfillSettings): Promise<void> {
  const customer = await loadBackfillCustomer(settings.customersDir, settings.customerId, () => new CustomerStoreClient(context.kafka(), context.registry()));
  const files = resolveInputFiles(settings.inputs, settings.format);
  if (files.some((file) => resolve(file.path) === resolve(settings.rejectsFile))) {
    throw new CliError(`the rejects file ${settings.rejectsFile} is also an input: it would be emptied before it is read`, 'Pass --rejects with another path.');
  }
  const sourceFor = sourceFactory(settings, files);
  const kafkaSink = settings.dryRun ? undefined : await openKafkaSink(context);
  const sink: EventSink = kafkaSink ?? DRY_RUN_SINK;
  // Erased subjects are never published again (issue 20); a dry run publishes nothing, so it does without the list.
  const erasures = kafkaSink ? await loadErasureList(context).catch(async (error: unknown) => {
    await kafkaSink.close().catch(() => undefined);
    throw error;
  }) : undefined;
  // Opened (and emptied) only now, so a run refused for want of Kafka leaves the last run's rejects alone.
  let rejects: RejectsFileWriter;
  try {
    rejects = await RejectsFileWriter.open(settings.rejectsFile);
  } catch (error) {
    await kafkaSink?.close().catch(() => undefined);
    await erasures?.stop().catch(() => undefined);
    throw new CliError(`cannot write the rejects file ${settings.rejectsFile}: ${(error as Error).message}`, 'Pass --rejects with a writable path.');
  }

  const progress = context.output.progress('backfill: bytes read', files.reduce((sum, file) => sum + file.size, 0));
  const runner = new BackfillRunner({
    customer,
    hashKey: settings.hashKey,
    // The gateway's own limits: receivedAt is the event's time, so the age limit does not refuse history.
    pipeline: new IngestionPipeline(DEFAULT_INGESTION_LIMITS, settings.hashKey),
    sink,
    rejects,
    lines: (file) => readLines(file.path, file.gzip, (bytes) => progress.tick(bytes)),
    sourceFor,
    batchSize: settings.batchSize,
    dryRun: settings.dryRun,
    rejectsFile: settings.rejectsFile,
    erased: erasures ? (event) => erasures.isErased(event.customer_id, { visitorId: event.visitor_id, userId: event.user_id }) : undefined,
  });

  let summary: BackfillSummary;
  try {
    summary = await runner.run(files);
  } catch (error) {
    throw explainFailure(error, runner);
  } finally {
    progress.finish();
    await rejects.close();
    await kafkaSink?.close().catch(() => undefined);
    await erasures?.stop().catch(() => undefined);
  }
  context.output.result(summary, renderSummary);
}

function explainFailure(error: unknown, runner: BackfillRunner): unknown {
  if (error instanceof CliError) return error;
  const at = runner.position ? `${runner.position.file}${runner.position.line > 0 ? ` line ${runner.position.line}` : ''}` : 'the start';
  const rerun = `${runner.progress.published} event(s) were published before it; running the same backfill again is safe: event ids are deterministic, so the vault and the automation triggers keep each event once`;
  if (error instanceof PublishError) return new CliError(`Kafka did not acknowledge the events read up to ${at}: ${error.message}`, `${STACK_HINT} if Kafka is down. ${rerun}.`);
  return new CliError(`the backfill stopped at ${at}: ${(error as Error).message}`, `Fix the input; ${rerun}.`);
}
