#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { CliContext, type GlobalOptions } from './cli-context';
import { CliError } from './cli-error';
import { COMMANDS } from './commands';

/**
 * `tracking`: topics, consumer lag, replays, backfills, tailing topics and checking schemas against
 * the running platform. Every command takes --json for machine-readable output.
 */
export function buildProgram(): Command {
  const program = new Command('tracking')
    .description('Operate the tracking platform: topics, lag, replay, backfill, tail, schemas')
    .option('--json', 'machine-readable output (JSON on stdout; progress stays on stderr)')
    // No defaults here: unset, the commands read KAFKA_BROKERS / SCHEMA_REGISTRY_URL and the TLS, SASL and
    // registry credentials beside them (cli-context.ts), falling back to the local stack.
    .option('--brokers <list>', 'Kafka bootstrap servers, comma-separated (default: KAFKA_BROKERS, else 127.0.0.1:9092)')
    .option('--registry <url>', 'schema registry URL (default: SCHEMA_REGISTRY_URL, else http://127.0.0.1:8081)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const context = (): CliContext => new CliContext(program.opts<GlobalOptions>(), process.env);
  for (const register of COMMANDS) register(program, context);
  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    if (error instanceof CliError) {
      process.stderr.write(`error: ${error.message}\n${error.hint ? `  ${error.hint}\n` : ''}`);
      process.exit(error.exitCode);
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message}\n  Is the stack up? (npm run stack:status)\n`);
    process.exit(1);
  }
  // kafkajs keeps sockets and timers; a finished command must not hang on them.
  process.exit(0);
}

if (require.main === module) void main();
