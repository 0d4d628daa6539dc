import type { Command } from 'commander';
import type { CliContext } from '../cli-context';
import { consumerLag, lagTargets, type LagReport } from '../inspect/consumer-lag';
import { withAdmin } from '../inspect/kafka-admin';
import { table } from '../inspect/text-format';

export function registerLag(program: Command, context: () => CliContext): void {
  program
    .command('lag')
    .description('Consumer lag of the service groups (vault-loader, automation-trigger, exporter) per topic and partition, with group state and members')
    .option('--group <group>', 'one group: a service group id (vault-loader) or key (vaultLoader), or any other group id (its committed topics are shown)')
    .addHelpText(
      'after',
      `
Lag is end offset - committed offset. A partition the group never committed on (or whose committed
offset retention already deleted) counts everything it still holds. State is Kafka's group state:
Stable (consuming), Empty (no members, offsets kept), PreparingRebalance/CompletingRebalance, Dead
(unknown group).

Output (--json): {"groups": [{"group", "service", "state", "members", "topics", "lag",
  "partitions": [{"topic", "partition", "committed", "end", "lag"}]}], "totalLag"}

Examples:
  $ npm run --silent tracking -- lag
  $ npm run --silent tracking -- lag --group vault-loader
  $ npm run --silent tracking -- --json lag | jq '.groups[] | {group, lag}'`,
    )
    .action(async (options: { group?: string }) => {
      const ctx = context();
      const report = await withAdmin(ctx, (admin) => consumerLag(admin, lagTargets(options.group)));
      ctx.output.result(report, renderLag);
    });
}

function renderLag(report: LagReport): string {
  const sections = report.groups.map((group) => {
    const heading = `${group.group}${group.service ? ` (${group.service})` : ''}: ${group.state}, ${group.members} member${group.members === 1 ? '' : 's'}, lag ${group.lag.toLocaleString('en-US')}`;
    const rows = group.partitions.map((p) => [p.topic, p.partition, p.committed ?? '-', p.end, p.lag]);
    return `${heading}\n${table(['topic', 'partition', 'committed', 'end', 'lag'], rows, '  ')}`;
  });
  return `${sections.join('\n\n')}\n\ntotal lag ${report.totalLag.toLocaleString('en-US')}`;
}
