import type { Command } from 'commander';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { listUserTopics, withAdmin } from '../inspect/kafka-admin';
import { positiveInteger, startPosition } from '../inspect/option-parsers';
import { RecordDecoder } from '../inspect/record-decoder';
import type { StartPosition } from '../inspect/start-position';
import { declarationOf } from '../inspect/topic-describer';
import { tailRanges, tailTopic } from '../inspect/topic-tail';
import { loadErasureList } from '../privacy/cli-erasure-list';
import { customerOf } from '../inspect/record-filter';
import { isErasedRecord, recordSubject } from '../privacy/record-subject';

interface TailCommandOptions {
  customer?: string;
  type?: string;
  from?: StartPosition;
  untilEnd?: boolean;
  limit?: number;
}

export function registerTail(program: Command, context: () => CliContext): void {
  program
    .command('tail <topic>')
    .description("Print a topic's records as JSON lines, Avro values decoded through the schema registry")
    .option('--customer <id>', "only this customer's records (ce_source header, else the value's customer_id)")
    .option('--type <event_type>', 'only records of this type (event_type, trigger_type, else the ce_type header)')
    .option('--from <position>', 'where to start: beginning, end, an ISO time (2026-11-22T10:00:00Z, by the broker\'s timestamp index) or an offset (in every partition); default end, or beginning with --until-end', startPosition)
    .option('--until-end', 'exit once every partition reached the end offsets taken at the start (otherwise follow until Ctrl-C)')
    .option('--limit <n>', 'exit after printing n records', positiveInteger)
    .addHelpText(
      'after',
      `
Each record is one JSON line on stdout (with or without --json):
  {"topic", "partition", "offset", "timestamp": ISO time of the Kafka record, "key": UTF-8 text or null
   ("keyEncoding": "base64" when it is not text), "headers": {name: UTF-8 value},
   "encoding": "avro" | "utf8" | "base64" | "null", "schemaId": writer schema id (Avro),
   "value": the decoded record | text | base64 | null, "decodeError": why an Avro topic's value
   could not be decoded (then shown raw)}
Avro values are decoded with the schema they were written with. For tracking.events.v1 the value
is the TrackingEvent with event_data parsed into an object. Topics without a value schema (the
dead-letter topics) show values as text, or base64 when they are not UTF-8; values that are in the
Confluent wire format are decoded even there.

Records about a subject erased on privacy.erasures.v1 (any visitor_id or user_id in the value of
the customer's erasure requests) are not printed, only counted in the summary (issue 20).

Reading uses a throwaway consumer group that never commits: no service's position moves. A
progress bar (stderr) shows when stdout is not a terminal; a summary line goes to stderr at the end.

Examples:
  $ npm run --silent tracking -- tail tracking.events.v1
  $ npm run --silent tracking -- tail tracking.events.v1 --customer one_spa --type page_view --from 2026-11-22T09:00:00Z --until-end > events.jsonl
  $ npm run --silent tracking -- tail vault-loader.dead-letter.v1 --from beginning --until-end | jq '.headers'
  $ npm run --silent tracking -- tail tracking.events.v1 --from beginning --limit 10 | jq '.value.event_data'`,
    )
    .action(async (topic: string, options: TailCommandOptions) => {
      const ctx = context();
      const untilEnd = Boolean(options.untilEnd);
      const from: StartPosition = options.from ?? { kind: untilEnd ? 'beginning' : 'end' };
      const ranges = await withAdmin(ctx, async (admin) => {
        const existing = await listUserTopics(admin);
        if (!existing.includes(topic)) throw new CliError(`topic ${topic} does not exist on ${ctx.brokers.join(',')}`, `Topics: ${existing.join(', ') || '(none)'}`);
        return tailRanges(admin, topic, from);
      });
      const expectsAvro = Boolean(declarationOf(topic)?.valueSchemaFile);
      // Fail now with a clear message rather than print every record with a decode error.
      if (expectsAvro) await ctx.registryRest().subjects();
      // Read whole before the first record: an erased person's records are never printed.
      const erasures = await loadErasureList(ctx);

      const abort = new AbortController();
      const onSignal = (): void => abort.abort('interrupted');
      // `tail ... | head -3`: the reader left; stop like on Ctrl-C instead of dying on EPIPE.
      const onStdoutError = (error: NodeJS.ErrnoException): void => {
        if (error.code !== 'EPIPE') throw error;
        abort.abort('output closed');
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      process.stdout.on('error', onStdoutError);
      // Records on a terminal are their own progress; a bar redrawn between them would garble both.
      const total = untilEnd ? ranges.reduce((sum, range) => sum + Math.max(range.end - range.start, 0), 0) : undefined;
      const bar = process.stdout.isTTY ? undefined : ctx.output.progress(`tail ${topic}`, total);
      try {
        const summary = await tailTopic(
          ctx.kafka(),
          ctx.brokers,
          new RecordDecoder(ctx.registry(), expectsAvro),
          {
            topic,
            ranges,
            untilEnd,
            limit: options.limit,
            filter: { customer: options.customer, eventType: options.type },
            signal: abort.signal,
            erased: (line) => isErasedRecord(recordSubject(line.value, customerOf(line)), (customerId, ids) => erasures.isErased(customerId, ids)),
          },
          (line) => ctx.output.line(line),
          bar,
        );
        const reason = {
          end: 'reached the end offsets taken at the start',
          limit: `printed --limit ${options.limit ?? ''} records`,
          signal: String(abort.signal.reason),
        }[summary.stoppedBy];
        bar?.finish();
        const withheld = summary.withheld > 0 ? ` (${summary.withheld} withheld: erased subjects)` : '';
        ctx.output.note(`tail ${topic}: ${summary.printed} record(s) printed of ${summary.scanned} read${withheld}; ${reason}`);
      } finally {
        await erasures.stop().catch(() => undefined);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        process.stdout.off('error', onStdoutError);
      }
    });
}
