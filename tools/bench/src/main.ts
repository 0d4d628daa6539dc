import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Progress } from '@tools/local-stack/progress';
import { stackPaths } from '@tools/local-stack/stack-paths';
import { loadStackSettings } from '@tools/local-stack/stack-settings';
import { BenchContext } from './bench-context';
import { benchStack } from './bench-stack';
import { MEASUREMENTS } from './measurements';
import { scaleMeasurement } from './measurements/scale';
import { PROFILES } from './profiles';
import { markdownTable, met, type BenchRow } from './results';
import { ServiceLauncher } from './service-process';

interface Options {
  quick: boolean;
  /** Services write V8 CPU profiles (.cpuprofile, open in Chrome DevTools) into the run's directory. */
  cpuProf: boolean;
  only?: string[];
  out: string;
  /** Issue 22's scale bench instead of the measurements: the size of its large vault, in events. */
  scale?: number;
  /** The memory soak's length instead of the profile's (e.g. a few minutes of a quick run). */
  soakSeconds?: number;
  /** The replay's events instead of the profile's (e.g. 200,000 to time the replay in a few minutes). */
  replayEvents?: number;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { quick: false, cpuProf: false, out: 'tools/bench/results' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') options.quick = true;
    else if (arg === '--cpu-prof') options.cpuProf = true;
    else if (arg === '--only') options.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (arg === '--out') options.out = argv[++i] ?? options.out;
    else if (arg === '--scale') options.scale ??= 10_000_000;
    else if (arg === '--scale-events') options.scale = Number(argv[++i]);
    else if (arg === '--soak-seconds') options.soakSeconds = Number(argv[++i]);
    else if (arg === '--replay-events') options.replayEvents = Number(argv[++i]);
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`npm run bench -- [--quick] [--cpu-prof] [--only ${MEASUREMENTS.map((m) => m.name).join(',')}] [--out tools/bench/results] [--soak-seconds 600] [--replay-events 1000000]\n`);
      process.stdout.write(`npm run bench -- --scale [--scale-events 10000000]   (issue 22: the vault at scale, on its own)\n`);
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (see --help)`);
  }
  const unknown = options.only?.filter((name) => !MEASUREMENTS.some((measurement) => measurement.name === name)) ?? [];
  if (options.scale !== undefined && !(Number.isInteger(options.scale) && options.scale >= 100_000)) throw new Error('--scale-events takes a whole number of at least 100000');
  if (options.soakSeconds !== undefined && !(Number.isInteger(options.soakSeconds) && options.soakSeconds >= 20)) throw new Error('--soak-seconds takes a whole number of at least 20');
  if (options.replayEvents !== undefined && !(Number.isInteger(options.replayEvents) && options.replayEvents >= 1_000)) throw new Error('--replay-events takes a whole number of at least 1000');
  if (unknown.length > 0) throw new Error(`unknown measurement(s) ${unknown.join(', ')}; known: ${MEASUREMENTS.map((m) => m.name).join(', ')}`);
  return options;
}

/**
 * Ctrl-C or SIGTERM stops the services and removes the bench's stack, whose servers run detached and
 * would otherwise outlive the run (the next run removes leftovers, but until then they hold ports,
 * memory and disk). A second signal gives up at once. Returns whether the run was interrupted.
 */
function removeOnInterrupt(progress: Progress, cleanUp: () => Promise<void>): () => boolean {
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    const code = signal === 'SIGINT' ? 130 : 143;
    if (interrupted) {
      process.stderr.write(`bench: ${signal} again: leaving now; the next run removes what is left of its stack\n`);
      process.exit(code);
    }
    interrupted = true;
    progress.step(`bench: ${signal}: stopping the services and removing the bench's stack`);
    cleanUp().then(
      () => process.exit(code),
      (error: unknown) => {
        process.stderr.write(`bench: removing its stack after ${signal} failed: ${(error as Error).stack ?? String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => interrupted;
}

/**
 * `npm run bench`: starts a stack of its own (see bench-stack.ts), runs every measurement against it
 * with the services as their own processes and the load from separate processes, removes that stack,
 * and writes tools/bench/results/<date>.json and .md. Every figure is printed beside a baseline of
 * the same run. Logs and CPU profiles stay in .local/bench/<start time>.
 */
async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const chosen = PROFILES[options.quick ? 'quick' : 'full'];
  const profile = { ...chosen, soakSeconds: options.soakSeconds ?? chosen.soakSeconds, replayEvents: options.replayEvents ?? chosen.replayEvents };
  const progress = new Progress();
  const bench = benchStack(process.env, progress);
  let launcher: ServiceLauncher | undefined;
  const interrupted = removeOnInterrupt(progress, async () => {
    await launcher?.stopAll();
    await bench.remove();
  });
  const rows: BenchRow[] = [];
  const failures: string[] = [];
  let startedAt: Date;
  // Whatever fails from here on (the stack's start included), the stack is removed.
  try {
    await bench.start();
    startedAt = new Date();
    const { stack } = bench;
    const workDir = join(stackPaths(loadStackSettings(process.env).stackDir).stackDir, 'bench', startedAt.toISOString().replace(/[:.]/g, '-'));
    mkdirSync(join(workDir, 'logs'), { recursive: true });
    const profiles = join(workDir, 'profiles');
    launcher = new ServiceLauncher(
      stack.paths.dist,
      { PATH: process.env['PATH'] ?? '' },
      (name) => join(workDir, 'logs', `${name}.log`),
      options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : [],
    );
    const services = launcher;
    if (options.cpuProf) progress.step(`bench: services write CPU profiles to ${profiles}`);
    const context = new BenchContext(profile, stack.connection, stack.paths, workDir, services, stack.kafka.classpath(), (message) => progress.step(`bench: ${message}`));
    await context.admin.connect();
    const selected = options.scale ? [scaleMeasurement(options.scale)] : MEASUREMENTS.filter((measurement) => !options.only || options.only.includes(measurement.name));
    try {
      for (const [index, measurement] of selected.entries()) {
        context.progress(`[${index + 1}/${selected.length}] ${measurement.name}`);
        try {
          const measured = await measurement.run(context);
          rows.push(...measured);
          process.stderr.write(`${markdownTable(measured).split('\n').slice(2).join('\n')}\n`);
        } catch (error) {
          failures.push(`${measurement.name}: ${(error as Error).stack ?? String(error)}`);
          context.progress(`${measurement.name} failed: ${(error as Error).message}`);
        } finally {
          await services.stopAll();
        }
      }
    } finally {
      await context.admin.disconnect().catch(() => undefined);
    }
  } finally {
    await launcher?.stopAll();
    await bench.remove();
  }
  // An interrupted run's rows are incomplete: they never replace a table.
  if (interrupted()) return;
  for (const [name, bytes] of [...(launcher?.peaks ?? [])].sort()) {
    rows.push({ what: `memory: ${name}`, figure: { value: bytes / 1024 / 1024, unit: 'MiB peak RSS' }, target: { kind: 'report' } });
  }

  const table = markdownTable(rows);
  const day = startedAt.toISOString().slice(0, 10);
  const outDir = resolve(bench.stack.paths.root, options.out);
  mkdirSync(outDir, { recursive: true });
  // A partial run (--only) never replaces the day's full table.
  const name = options.scale ? `${day}-scale` : `${day}${profile.name === 'quick' ? '-quick' : ''}${options.only ? `-only-${options.only.join('-')}` : ''}`;
  const machine = `${(await import('node:os')).cpus().length} cores, Node ${process.version}`;
  writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify({ startedAt: startedAt.toISOString(), profile, machine, rows, failures }, null, 2)}\n`);
  writeFileSync(join(outDir, `${name}.md`), `# Benchmark ${startedAt.toISOString()} (${profile.name}, ${machine})\n\n${table}\n${failures.length ? `\nFailed:\n\n${failures.map((f) => `- ${f.split('\n')[0]}`).join('\n')}\n` : ''}`);
  process.stdout.write(`\n${table}\n\nwritten: ${join(options.out, `${name}.json`)} and .md\n`);
  const missed = rows.filter((row) => met(row) === false).map((row) => row.what);
  if (missed.length) process.stdout.write(`targets missed: ${missed.join('; ')}\n`);
  if (failures.length) {
    process.stderr.write(`\n${failures.join('\n\n')}\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
