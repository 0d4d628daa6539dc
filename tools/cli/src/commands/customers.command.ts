import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CUSTOMER_FILES, TOPICS, type CustomerDocuments } from '@tracking/contracts';
import { readCustomerDirectoryTexts } from '@tracking/customers';
import { CustomerStoreClient, CustomersInvalidError, type ApplyPlan } from '@tracking/customer-store';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { table } from '../inspect/text-format';

interface ApplyOptions {
  by?: string;
  dryRun?: boolean;
}

function defaultAuthor(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

function storeOf(ctx: CliContext): CustomerStoreClient {
  return new CustomerStoreClient(ctx.kafka(), ctx.registry());
}

export function registerCustomers(program: Command, context: () => CliContext): void {
  const customers = program
    .command('customers')
    .description(`Customer configuration shared by every instance of every service: the compacted topic ${TOPICS.customers}`)
    .addHelpText(
      'after',
      `
Customers are declared as YAML in seed 000's layout (<dir>/<customer_id>/config.yaml, features.yaml,
automations.yaml) and applied to ${TOPICS.customers}, which every service instance reads at start and
follows: a change is in force everywhere within seconds, without a restart.

Examples:
  $ npm run --silent tracking -- customers apply example-customers/configurations
  $ npm run --silent tracking -- customers apply ./customers --by alice --dry-run
  $ npm run --silent tracking -- --json customers list | jq '.customers[] | {customerId, appliedBy}'`,
    );

  customers
    .command('apply <dir>')
    .description('Check every customer of a directory, then publish those that changed (nothing at all when one is invalid)')
    .option('--by <name>', 'who applies, recorded with each changed customer (default: the OS user)')
    .option('--dry-run', 'check and show what would change; publish nothing')
    .addHelpText(
      'after',
      `
Every customer is checked first with the services' own parser; when any is invalid nothing is
published and each problem is printed with its file and field (exit code 1). Then only customers
whose documents differ from those in force are published, each with who applied it (--by), when, and
which files changed. Customers missing from <dir> are left as they are (see \`customers remove\`).

Output (--json): {"topic", "appliedBy", "appliedAt", "dryRun", "published",
  "customers": [{"customerId", "action": "created" | "updated" | "unchanged", "changedFiles",
  "previouslyAppliedBy", "previouslyAppliedAt"}]}
Refused (--json): {"applied": false, "problems": {"<customer>": ["<customer>/config.yaml: <field> ..."]}}`,
    )
    .action(async (dir: string, options: ApplyOptions) => {
      const ctx = context();
      const directory = resolve(dir);
      let texts;
      try {
        texts = readCustomerDirectoryTexts(directory);
      } catch (error) {
        throw new CliError((error as Error).message, 'Name a directory holding one directory per customer (seed 000 layout).');
      }
      const author = { by: options.by ?? defaultAuthor(), at: Date.now(), via: 'tracking customers apply' };
      let plan: ApplyPlan;
      try {
        if (texts.errors.length > 0) throw new CustomersInvalidError(new Map(texts.errors.map((error) => [error.customerId, error.problems])));
        if (texts.customers.size === 0) throw new CliError(`no customer directories in ${directory}`, 'Each customer is a directory named by its id, holding config.yaml.');
        plan = await storeOf(ctx).apply(texts.customers, author, { dryRun: Boolean(options.dryRun) });
      } catch (error) {
        if (!(error instanceof CustomersInvalidError)) throw error;
        if (ctx.output.json) ctx.output.result({ applied: false, problems: Object.fromEntries(error.problems) }, () => '');
        throw new CliError(error.message, 'Fix the fields named above; nothing was published.');
      }
      const report = {
        topic: TOPICS.customers,
        appliedBy: author.by,
        appliedAt: new Date(author.at).toISOString(),
        dryRun: Boolean(options.dryRun),
        published: options.dryRun ? 0 : plan.records.length,
        customers: plan.customers,
      };
      ctx.output.result(report, (data) => {
        const rows = data.customers.map((customer) => [customer.customerId, customer.action, customer.changedFiles.join(',') || '-', customer.previouslyAppliedBy ?? '-', customer.previouslyAppliedAt ?? '-']);
        const verb = data.dryRun ? 'would publish' : 'published';
        return `${table(['customer', 'action', 'changed files', 'previously by', 'previously at'], rows)}\n\n${verb} ${plan.records.length} of ${data.customers.length} customer(s) to ${data.topic} as ${data.appliedBy} at ${data.appliedAt}`;
      });
    });

  customers
    .command('list')
    .description('The customers in force: who applied each version, when, and through what')
    .addHelpText(
      'after',
      `
Output (--json): {"topic", "customers": [{"customerId", "appliedBy", "appliedAt", "appliedVia", "changedFiles", "files", "digest"}]}`,
    )
    .action(async () => {
      const ctx = context();
      const documents = await storeOf(ctx).read();
      const list = [...documents.values()].sort((a, b) => a.customer_id.localeCompare(b.customer_id)).map(describe);
      ctx.output.result({ topic: TOPICS.customers, customers: list }, (data) =>
        data.customers.length === 0
          ? `no customers in ${data.topic}`
          : table(['customer', 'applied by', 'applied at', 'via', 'files', 'changed'], data.customers.map((c) => [c.customerId, c.appliedBy, c.appliedAt, c.appliedVia, c.files.join(','), c.changedFiles.join(',') || '-'])),
      );
    });

  customers
    .command('remove <customerIds...>')
    .description('Remove customers from every instance (a tombstone per customer, its headers saying who and when)')
    .option('--by <name>', 'who removes (default: the OS user)')
    .action(async (customerIds: string[], options: { by?: string }) => {
      const ctx = context();
      const store = storeOf(ctx);
      const known = await store.read();
      const unknown = customerIds.filter((id) => !known.has(id));
      if (unknown.length > 0) throw new CliError(`not in ${TOPICS.customers}: ${unknown.join(', ')}`, 'See `tracking customers list`; nothing was removed.');
      const author = { by: options.by ?? defaultAuthor(), at: Date.now(), via: 'tracking customers remove' };
      await store.remove(customerIds, author);
      ctx.output.result({ topic: TOPICS.customers, removed: customerIds, removedBy: author.by, removedAt: new Date(author.at).toISOString() }, (data) => `removed ${data.removed.join(', ')} from ${data.topic} as ${data.removedBy}`);
    });
}

function describe(documents: CustomerDocuments): { customerId: string; appliedBy: string; appliedAt: string; appliedVia: string; changedFiles: string[]; files: string[]; digest: string } {
  return {
    customerId: documents.customer_id,
    appliedBy: documents.applied_by,
    appliedAt: new Date(documents.applied_at).toISOString(),
    appliedVia: documents.applied_via,
    changedFiles: documents.changed_files,
    files: CUSTOMER_FILES.filter(({ field }) => documents[field] !== null).map(({ file }) => file),
    digest: documents.digest,
  };
}
