import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LocalStack } from '@tools/local-stack/local-stack';
import type { Progress } from '@tools/local-stack/progress';
import { stackPaths } from '@tools/local-stack/stack-paths';
import { loadStackSettings, type StackSettings } from '@tools/local-stack/stack-settings';
import { EnvReader, type Env } from '@tracking/config';

/**
 * The bench runs on servers of its own, never on the stack a user may be running: a full run writes
 * millions of records, a vault of several GB and thousands of objects, and the tests that replay the
 * live stack's topics slowed to a timeout after one. Its ports are the stack's plus this offset.
 */
const PORT_OFFSET = 10_000;

/**
 * The user's stack settings moved to the bench's directory and ports. BENCH_STACK_DIR and
 * BENCH_PORT_OFFSET move them elsewhere, so a test of the bench's own stack never meets (and never
 * removes) the stack of a bench that is running.
 */
export function benchStackSettings(env: Env): StackSettings {
  const stack = loadStackSettings(env);
  const reader = new EnvReader('bench', env);
  const offset = reader.integer('BENCH_PORT_OFFSET', PORT_OFFSET, { min: 1, max: 20_000 });
  const dir = reader.optionalString('BENCH_STACK_DIR');
  const shifted = (port: number): number => port + offset;
  const database = new URL(stack.embeddedDatabaseUrl);
  for (const port of [stack.kafka.port + stack.kafka.brokers - 1, stack.kafka.controllerPort + stack.kafka.brokers - 1, stack.registry.port, stack.redis.port, stack.s3.port, Number(database.port)]) {
    if (shifted(port) > 65535) reader.problem(`BENCH_PORT_OFFSET ${offset}: port ${port} of the stack would move past 65535`);
  }
  reader.done();
  database.port = String(shifted(Number(database.port)));
  return {
    ...stack,
    stackDir: dir ? resolve(dir) : join(stackPaths(stack.stackDir).stackDir, 'bench-stack'),
    kafka: { ...stack.kafka, port: shifted(stack.kafka.port), controllerPort: shifted(stack.kafka.controllerPort) },
    registry: { ...stack.registry, port: shifted(stack.registry.port) },
    redis: { port: shifted(stack.redis.port) },
    s3: { ...stack.s3, port: shifted(stack.s3.port) },
    // A user's own servers (DATABASE_URL, REDIS_URL, S3_ENDPOINT) are left alone too.
    externalDatabaseUrl: undefined,
    externalRedisUrl: undefined,
    externalS3Endpoint: undefined,
    embeddedDatabaseUrl: database.toString(),
  };
}

export interface BenchStack {
  readonly stack: LocalStack;
  /** Removes what a crashed run left, then starts the stack from an empty directory. */
  start(): Promise<void>;
  /**
   * Stops the stack and deletes everything it wrote; once, however often it is called (the end of
   * the run and an interrupt may both ask). Waits for a start under way to finish first, so that
   * no server started after the stop is left running.
   */
  remove(): Promise<void>;
}

/** The bench's stack, not started yet: main arranges its removal (also on Ctrl-C) before starting it. */
export function benchStack(env: Env, progress: Progress): BenchStack {
  const settings = benchStackSettings(env);
  // The jars are resolved once for the user's stack; the bench's directory is deleted after each run.
  const shared = stackPaths(loadStackSettings(env).stackDir);
  const paths = { ...stackPaths(settings.stackDir), kafkaLibs: shared.kafkaLibs, s3Libs: shared.s3Libs };
  const stack = new LocalStack(settings, progress, paths);
  const removeNow = async (): Promise<void> => {
    await stack.down();
    rmSync(paths.stackDir, { recursive: true, force: true });
    progress.step(`bench: removed its stack (${paths.stackDir})`);
  };
  let starting: Promise<void> | undefined;
  let removing: Promise<void> | undefined;
  return {
    stack,
    start: () => {
      starting ??= (async () => {
        await removeNow();
        progress.step(`bench: starting a stack of its own in ${paths.stackDir} (Kafka ${settings.kafka.host}:${settings.kafka.port}, PostgreSQL ${settings.embeddedDatabaseUrl.replace(/\/\/[^@]*@/, '//')})`);
        await stack.up();
      })();
      return starting;
    },
    remove: () => {
      removing ??= (async () => {
        await starting?.catch(() => undefined);
        await removeNow();
      })();
      return removing;
    },
  };
}
