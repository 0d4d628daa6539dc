import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStack } from '@tools/local-stack/local-stack';
import type { Progress } from '@tools/local-stack/progress';
import { stackPaths } from '@tools/local-stack/stack-paths';
import { loadStackSettings, type StackSettings } from '@tools/local-stack/stack-settings';
import type { Env } from '@tracking/config';

/**
 * The bench runs on servers of its own, never on the stack a user may be running: a full run writes
 * millions of records, a vault of several GB and thousands of objects, and the tests that replay the
 * live stack's topics slowed to a timeout after one. Its ports are the stack's plus this offset.
 */
const PORT_OFFSET = 10_000;

export function benchStackSettings(env: Env): StackSettings {
  const stack = loadStackSettings(env);
  const shifted = (port: number): number => port + PORT_OFFSET;
  const database = new URL(stack.embeddedDatabaseUrl);
  database.port = String(shifted(Number(database.port)));
  return {
    ...stack,
    stackDir: join(stackPaths(stack.stackDir).stackDir, 'bench-stack'),
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

/**
 * Starts the bench's stack from an empty directory (what a crashed run left is stopped and removed
 * first) and returns it with `remove`, which stops it and deletes everything it wrote.
 */
export async function startBenchStack(env: Env, progress: Progress): Promise<{ stack: LocalStack; remove: () => Promise<void> }> {
  const settings = benchStackSettings(env);
  // The jars are resolved once for the user's stack; the bench's directory is deleted after each run.
  const shared = stackPaths(loadStackSettings(env).stackDir);
  const paths = { ...stackPaths(settings.stackDir), kafkaLibs: shared.kafkaLibs, s3Libs: shared.s3Libs };
  const stack = new LocalStack(settings, progress, paths);
  const remove = async (): Promise<void> => {
    await stack.down();
    rmSync(paths.stackDir, { recursive: true, force: true });
    progress.step(`bench: removed its stack (${paths.stackDir})`);
  };
  await remove();
  progress.step(`bench: starting a stack of its own in ${paths.stackDir} (ports +${PORT_OFFSET})`);
  await stack.up();
  return { stack, remove };
}
