import { Option, type Command } from 'commander';
import type { CliContext } from '../cli-context';
import { backfillSettings, MAX_BATCH, parseBatchSize, type BackfillOptions } from '../backfill/backfill.settings';
import { INPUT_FORMATS } from '../backfill/input-files';
import { runBackfill } from '../backfill/run-backfill';

const EXAMPLES = `
Each line goes through the gateway's own validation, consent, privacy and enrichment code with the
customer's configuration, and is published to tracking.events.v1 with source "backfill". Event ids
are derived from the customer and the line's content, so running a backfill again publishes the
same ids, which the vault and the automation triggers keep once.

Formats (by extension unless --format is given; .gz is read too; a directory means its files, sorted):
  jsonl       one track request body per line, as POST /api/v1/track takes it
  csv         header row of track request fields (event_type, page_url, occurred_at, session_id,
              ...); other columns, utm_* among them, go into event_data
  access-log  Combined Log Format; successful GETs of pages become page views of --site + path,
              sessions cut after 30 minutes without a request from the same address and browser

Examples:
  export TRACKING_HASH_KEY=...   # the gateway's key: IP and PII hashes and event ids depend on it
  tracking backfill --customer one_spa --site https://onespa.com /var/log/nginx/access.log.2.gz
  tracking backfill --customer retail_chain --dry-run history/2024-11.csv
  tracking --json backfill --customer retail_chain exports/   # summary as JSON on stdout
`;

export function registerBackfill(program: Command, context: () => CliContext): void {
  program
    .command('backfill')
    .description('Publish history (JSON Lines, CSV, access logs) through the gateway\'s validation, privacy rules and enrichment')
    .argument('<file...>', 'files or directories to read (.gz allowed)')
    .requiredOption('--customer <id>', 'the customer whose configuration and privacy rules apply')
    .addOption(new Option('--format <format>', 'input format (default: from each file\'s extension)').choices(INPUT_FORMATS))
    .option('--site <url>', 'origin of the site an access log belongs to, e.g. https://www.example.com (required for access logs)')
    .addOption(new Option('--customers-dir <dir>', 'read the customer from this directory (seed 000 layout) instead of the shared topic tracking.customers.v1 the gateway reads').env('CUSTOMERS_DIR'))
    .addOption(
      new Option('--hash-key <key>', 'the gateway\'s HMAC key for IP and PII hashing (prefer the variable: arguments show in the process list)').env('TRACKING_HASH_KEY'),
    )
    .option('--rejects <file>', 'where bad lines go, one JSON object each (default: <first input>.rejects.jsonl)')
    .option('--dry-run', 'validate and count everything, publish nothing')
    .option('--batch <n>', `events per acknowledged Kafka write, 1-${MAX_BATCH}`, parseBatchSize, 500)
    .addHelpText('after', EXAMPLES)
    .action(async (inputs: string[], options: BackfillOptions) => {
      await runBackfill(context(), backfillSettings(inputs, options, process.cwd()));
    });
}
