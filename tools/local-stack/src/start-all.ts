import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SERVICES, serviceProcessEnv } from '@tracking/services';
import { LocalStack, type StackConnection } from './local-stack';
import { LOCAL_S3_CREDENTIALS } from './local-s3';
import { migrateAll } from './migrate-all';
import { portOpen, sleep } from './process-control';
import { Progress } from './progress';
import { clientEnvironment } from './stack-env';
import { loadStackSettings } from './stack-settings';

/**
 * `npm start`: the local stack, topics and schemas, migrations, then the four services in the
 * foreground with their JSON logs on stdout. Ctrl-C stops the services, then what this command
 * started of the stack.
 */
async function main(): Promise<void> {
  const progress = new Progress();
  const stack = new LocalStack(loadStackSettings(process.env), progress);
  const { started, connection } = await stack.up();
  const env = serviceEnvironment(connection);

  progress.step('migrations: applying the vault, gateway and automation schemas');
  await migrateAll(env, stack.paths.dist);

  const children = new Map<string, ChildProcess>();
  let stopping = false;
  const stop = async (exitCode: number): Promise<never> => {
    if (stopping) return new Promise<never>(() => undefined);
    stopping = true;
    progress.step('stopping services');
    await Promise.all([...children.values()].map((child) => terminate(child, 15_000)));
    if (started.length > 0) await stack.down(started);
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  for (const service of SERVICES) {
    const port = Number(process.env[service.portVariable] ?? service.port);
    if (await portOpen('127.0.0.1', port)) {
      progress.step(`${service.name}: port ${port} is already in use (set ${service.portVariable} to move it)`);
      await stop(1);
    }
    const child = spawn(process.execPath, [join(stack.paths.dist, service.entry)], {
      cwd: stack.paths.root,
      env: serviceProcessEnv({ ...env, [service.portVariable]: String(port) }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${line}\n`));
    }
    child.on('exit', (code, signal) => {
      if (stopping) return;
      progress.step(`${service.name} exited (${signal ?? `code ${code}`}); stopping everything`);
      void stop(1);
    });
    children.set(service.name, child);
  }

  try {
    for (const service of SERVICES) {
      const port = Number(process.env[service.portVariable] ?? service.port);
      await waitForReady(service.name, `http://127.0.0.1:${port}/readyz`, 90_000);
      progress.step(`${service.name}: ready on http://127.0.0.1:${port}`);
    }
  } catch (error) {
    progress.step((error as Error).message);
    await stop(1);
  }
  const gatewayPort = Number(process.env['PORT'] ?? 3000);
  process.stderr.write(
    [
      '',
      `  Gateway listening on http://127.0.0.1:${gatewayPort}`,
      `  Kafka ${connection.kafkaBrokers.join(',')}  ·  schema registry ${connection.schemaRegistryUrl}  ·  PostgreSQL ${new URL(connection.databaseUrl).host}  ·  S3 ${connection.s3Endpoint}`,
      '  Try the curl example of the README; Ctrl-C stops everything.',
      '',
    ].join('\n') + '\n',
  );
}

function serviceEnvironment(connection: StackConnection): NodeJS.ProcessEnv {
  // CUSTOMERS_DIR tells the stack which customers to apply to tracking.customers.v1; the services read that topic.
  const { CUSTOMERS_DIR: _applied, ...inherited } = process.env;
  return {
    ...inherited,
    // Brokers, TLS and SASL, registry and its auth, database, Redis, and the exporter's endpoint for
    // every bucket whose s3_export block names none of its own: what stack.env holds.
    ...clientEnvironment(connection),
    // What the example customers' s3_export credentials refer to; the local S3 server takes any key.
    LOCAL_S3_ACCESS_KEY_ID: process.env['LOCAL_S3_ACCESS_KEY_ID'] ?? LOCAL_S3_CREDENTIALS.accessKeyId,
    LOCAL_S3_SECRET_ACCESS_KEY: process.env['LOCAL_S3_SECRET_ACCESS_KEY'] ?? LOCAL_S3_CREDENTIALS.secretAccessKey,
    // The services' admin APIs as the others call them with TRACKING_ADMIN_TOKEN: track/process and the
    // loader's privacy access ask the exporter; the console's self-service routes on the gateway reach
    // workflows and deliveries in the automation trigger and erasures in the loader.
    EXPORTER_URL: process.env['EXPORTER_URL'] ?? `http://127.0.0.1:${process.env['EXPORTER_PORT'] ?? 3003}`,
    AUTOMATION_TRIGGER_URL: process.env['AUTOMATION_TRIGGER_URL'] ?? `http://127.0.0.1:${process.env['AUTOMATION_TRIGGER_PORT'] ?? 3002}`,
    VAULT_LOADER_URL: process.env['VAULT_LOADER_URL'] ?? `http://127.0.0.1:${process.env['VAULT_LOADER_PORT'] ?? 3001}`,
    // Without an operators' token the services could not call one another (and the console's
    // self-service pages would be off): one made for this run only, which no one outside the
    // services is told. Set TRACKING_ADMIN_TOKEN yourself to use the admin APIs or sign in as operator.
    TRACKING_ADMIN_TOKEN: process.env['TRACKING_ADMIN_TOKEN'] ?? randomBytes(24).toString('hex'),
  };
}

async function waitForReady(name: string, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ready = await fetch(url, { signal: AbortSignal.timeout(1000) })
      .then((response) => response.ok)
      .catch(() => false);
    if (ready) return;
    await sleep(250);
  }
  throw new Error(`${name} was not ready within ${timeoutMs / 1000}s (${url})`);
}

function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`start: ${(error as Error).message}\n`);
  process.exit(1);
});
