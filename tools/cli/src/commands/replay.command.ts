import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Admin } from 'kafkajs';
import { CONSUMER_GROUPS, CONSUMER_SUBSCRIPTIONS, TOPICS } from '@tracking/contracts';
import { CONSUMING_SERVICES, freePort, repositoryRoot, serviceProcessEnv, type ConsumingServiceSpec, type ServiceSpec } from '@tracking/services';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { explainKafkaFailure } from '../inspect/connection-errors';
import { loadErasureList } from '../privacy/cli-erasure-list';
import { applyGroupReplay, liveMembers, offsetsAt, partitionStates, planMoves, targetsFor, type TopicPlan } from '@tracking/kafka';
import { parseReplayStart } from '../replay/replay-plan';

interface ReplayOptions {
  from: string;
  to?: string;
  customer?: string;
  group?: string;
  dryRun?: boolean;
  wait?: string;
}

function consumerService(name: string): ConsumingServiceSpec {
  const service = CONSUMING_SERVICES.find((candidate) => candidate.name === name);
  if (!service) throw new CliError(`unknown service "${name}"`, `replay one of: ${CONSUMING_SERVICES.map((candidate) => candidate.name).join(', ')}`);
  return service;
}

function renderPlan(plans: readonly TopicPlan[]): string {
  const lines = ['topic                            partition  committed -> target   records'];
  for (const plan of plans) {
    for (const move of plan.moves) {
      const records = move.delta >= 0n ? `${move.delta} read again` : `${-move.delta} SKIPPED`;
      lines.push(`${plan.topic.padEnd(32)} ${String(move.partition).padStart(9)}  ${String(move.from ?? 'none').padStart(9)} -> ${String(move.to).padEnd(8)} ${records}`);
    }
  }
  return lines.join('\n');
}

export function registerReplay(program: Command, context: () => CliContext): void {
  program
    .command('replay')
    .description("Move a consuming service's group to a point on the log (it reads again from there), or run a window or one customer through a temporary group")
    .argument('<service>', `the consuming service: ${CONSUMING_SERVICES.map((service) => service.name).join(', ')}`)
    .requiredOption('--from <point>', 'beginning, end, an ISO 8601 time on the log (when the gateway received the events), or <partition>:<offset>[,…] of tracking.events.v1')
    .option('--to <time>', 'ISO 8601 time: replay only records before it, through a temporary group (the live group is not moved)')
    .option('--customer <id>', "only this customer's records, through a temporary group (the live group is not moved)")
    .option('--group <id>', "the service's consumer group, if it is not the default one (its *_GROUP_ID setting)")
    .option('--dry-run', 'print what would move and change nothing')
    .option('--wait <seconds>', 'wait up to this long for the live group to become empty (stop the service first) instead of refusing')
    .addHelpText(
      'after',
      `
Moving the live group needs the service stopped: Kafka refuses to move a group with members, and
a running service would overwrite the move with its next commit. Every service is idempotent, so
reading records again changes nothing that was already right.

With --to or --customer the live group stays where it is: the service's compiled entry runs once
more under a temporary group that starts at --from, handles only records before --to (and of
--customer), exits at the end, and the temporary group is deleted. The exporter replays whole
groups only (its objects are cut per partition, so a window would cut different objects).

Examples:
  tracking replay vault-loader --from beginning --dry-run
  tracking replay vault-loader --from 2026-11-30T00:00:00Z --wait 60
  tracking replay vault-loader --from 2026-11-30T10:00:00Z --to 2026-11-30T12:00:00Z --customer one_spa`,
    )
    .action(async (serviceName: string, options: ReplayOptions) => {
      const cli = context();
      const service = consumerService(serviceName);
      const start = parseReplayStart(options.from);
      if (!start) throw new CliError(`--from "${options.from}" is not a point on the log`, 'use beginning, end, an ISO 8601 time such as 2026-11-30T10:00:00Z, or 0:1200,1:1180');
      const end = options.to === undefined ? undefined : parseReplayStart(options.to);
      if (options.to !== undefined && end?.kind !== 'time') throw new CliError(`--to "${options.to}" is not an ISO 8601 time`, 'for example 2026-11-30T12:00:00Z');
      const to = end?.kind === 'time' ? end.at : undefined;
      if (options.wait !== undefined && !(Number(options.wait) >= 0)) throw new CliError(`--wait "${options.wait}" is not a number of seconds`, 'for example --wait 60');
      const bounded = to !== undefined || options.customer !== undefined;
      if (bounded && service.consumer.key === 'exporter') {
        throw new CliError('the exporter replays whole groups only', 'its objects are cut per partition from the group position; drop --to/--customer and replay the group (objects already written are recognised and kept)');
      }
      // A replay only moves offsets (or runs the service on a window): the services leave erased subjects out of what
      // they read again, reading the list themselves. Reading it here says so, and fails early when it cannot be read.
      const erasures = await loadErasureList(cli);
      const requests = erasures.requests(options.customer).length;
      await erasures.stop().catch(() => undefined);
      cli.output.note(`${requests} erasure request(s) on ${TOPICS.privacyErasures}${options.customer ? ` for ${options.customer}` : ''}: ${service.name} leaves those subjects out of what it reads again`);
      const groupId = options.group ?? cli.env[service.consumer.groupVariable] ?? CONSUMER_GROUPS[service.consumer.key];
      const topics = CONSUMER_SUBSCRIPTIONS[service.consumer.key];
      const admin = cli.kafka().admin();
      try {
        await admin.connect();
      } catch (error) {
        throw explainKafkaFailure(error, cli.brokers);
      }
      try {
        const plans: TopicPlan[] = [];
        const stops = new Map<string, Map<number, bigint>>();
        for (const topic of topics) {
          const states = await partitionStates(admin, groupId, topic);
          plans.push({ topic, moves: planMoves(states, await targetsFor(admin, topic, start, states, topics[0] as string)) });
          if (bounded) stops.set(topic, to === undefined ? new Map(states.map((state) => [state.partition, state.high])) : await offsetsAt(admin, topic, to, states));
        }
        if (bounded) await replayWindow(cli, admin, service, groupId, plans, stops, options);
        else await moveGroup(cli, admin, service, groupId, plans, options);
      } finally {
        await admin.disconnect();
      }
    });
}

async function moveGroup(cli: CliContext, admin: Admin, service: ServiceSpec, groupId: string, plans: TopicPlan[], options: ReplayOptions): Promise<void> {
  const summary = { service: service.name, group: groupId, dry_run: Boolean(options.dryRun), topics: plans };
  if (options.dryRun) {
    cli.output.result(summary, () => `dry run: ${service.name} (group ${groupId}) would move:\n${renderPlan(plans)}`);
    return;
  }
  let members = await liveMembers(admin, groupId);
  if (members > 0 && options.wait !== undefined) {
    const deadline = Date.now() + Number(options.wait) * 1000;
    cli.output.note(`waiting for the ${members} member(s) of ${groupId} to leave (stop ${service.name})…`);
    while (members > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      members = await liveMembers(admin, groupId);
    }
  }
  if (members > 0) {
    throw new CliError(
      `group ${groupId} still has ${members} live member(s): ${service.name} is running`,
      `stop ${service.name} first (or pass --wait <seconds> to wait for it to stop), or use --to/--customer to replay through a temporary group`,
    );
  }
  await applyGroupReplay(admin, groupId, plans);
  cli.output.result(summary, () => `${service.name} (group ${groupId}) moved; start it to read again:\n${renderPlan(plans)}`);
}

async function replayWindow(
  cli: CliContext,
  admin: Admin,
  service: ConsumingServiceSpec,
  liveGroup: string,
  plans: TopicPlan[],
  stops: Map<string, Map<number, bigint>>,
  options: ReplayOptions,
): Promise<void> {
  const tempGroup = `${liveGroup}-replay-${Date.now()}`;
  const stopOffsets: Record<string, Record<string, string>> = {};
  let total = 0n;
  for (const plan of plans) {
    for (const move of plan.moves) {
      const stop = stops.get(plan.topic)?.get(move.partition) ?? move.to;
      if (stop <= move.to) continue;
      (stopOffsets[plan.topic] ??= {})[String(move.partition)] = stop.toString();
      total += stop - move.to;
    }
  }
  const summary = { service: service.name, group: tempGroup, live_group: liveGroup, customer: options.customer ?? null, from: options.from, to: options.to ?? null, records_in_window: total, stop_offsets: stopOffsets, dry_run: Boolean(options.dryRun) };
  if (options.dryRun || total === 0n) {
    cli.output.result(summary, () => (total === 0n ? 'nothing to replay: the window holds no records' : `dry run: ${total} records in the window would be read by ${service.name} under ${tempGroup}`));
    return;
  }
  const entry = join(repositoryRoot(), 'dist', service.entry);
  if (!existsSync(entry)) throw new CliError(`${entry} is missing`, 'run npm run build first (npm run tracking does)');
  for (const plan of plans) {
    const partitions = plan.moves.filter((move) => stopOffsets[plan.topic]?.[String(move.partition)] !== undefined);
    if (partitions.length > 0) await admin.setOffsets({ groupId: tempGroup, topic: plan.topic, partitions: partitions.map((move) => ({ partition: move.partition, offset: move.to.toString() })) });
  }

  const progress = cli.output.progress(`replaying ${service.name}`, Number(total));
  const env: NodeJS.ProcessEnv = serviceProcessEnv({
    ...cli.env,
    KAFKA_BROKERS: cli.brokers.join(','),
    SCHEMA_REGISTRY_URL: cli.settings.registry.url,
    [service.consumer.groupVariable]: tempGroup,
    [service.portVariable]: String(await freePort()),
    REPLAY_STOP_OFFSETS: JSON.stringify(stopOffsets),
    DB_MIGRATE_ON_START: 'false',
    LOG_LEVEL: cli.env['LOG_LEVEL'] ?? 'warn',
    ...(options.customer ? { REPLAY_CUSTOMER: options.customer } : {}),
  });
  const child = spawn(process.execPath, [entry], { cwd: repositoryRoot(), env, stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors = `${errors}${chunk.toString('utf8')}`.slice(-4000)));
  const timer = setInterval(() => {
    void partitionsDone(admin, tempGroup, plans, stopOffsets).then((done) => progress.update(done), () => undefined);
  }, 1000);
  // Ctrl-C stops the service cleanly and still deletes the temporary group.
  let interrupted = false;
  const interrupt = (): void => {
    interrupted = true;
    child.kill('SIGTERM');
  };
  process.once('SIGINT', interrupt);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  process.off('SIGINT', interrupt);
  clearInterval(timer);
  if (code === 0) progress.update(Number(total));
  progress.finish();
  await admin.deleteGroups([tempGroup]).catch(() => undefined);
  if (interrupted) throw new CliError('replay interrupted; the live group was not touched and the temporary group is deleted', 'run the same command again to replay the whole window', 130);
  if (code !== 0) throw new CliError(`${service.name} ended with exit code ${code ?? 'none (killed)'} before the replay finished`, errors.trim().split('\n').slice(-3).join('\n  ') || 'see its logs');
  cli.output.result(summary, () => `replayed ${total} records of the window through ${service.name}${options.customer ? ` for ${options.customer}` : ''}; temporary group ${tempGroup} deleted`);
}

async function partitionsDone(admin: Admin, groupId: string, plans: readonly TopicPlan[], stopOffsets: Record<string, Record<string, string>>): Promise<number> {
  let done = 0;
  for (const plan of plans) {
    const committed = await admin.fetchOffsets({ groupId, topics: [plan.topic] });
    for (const entry of committed[0]?.partitions ?? []) {
      const stop = stopOffsets[plan.topic]?.[String(entry.partition)];
      const move = plan.moves.find((candidate) => candidate.partition === entry.partition);
      if (stop === undefined || !move || BigInt(entry.offset) < 0n) continue;
      done += Number((BigInt(entry.offset) < BigInt(stop) ? BigInt(entry.offset) : BigInt(stop)) - move.to);
    }
  }
  return done;
}
