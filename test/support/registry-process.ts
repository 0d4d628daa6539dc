import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repositoryRoot } from '@tracking/services';
import { freePort } from './free-port';
import { testConnectionEnv } from './test-connection';
import { waitFor } from './wait-for';

export interface RegistryProcess {
  url: string;
  /** SIGKILL by default: the registry must not depend on a clean shutdown to keep what it acknowledged. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts the compiled registry (npm test builds it first) as its own process, on its own storage
 * topic; with `auth`, it takes only those basic auth credentials.
 */
export async function startRegistryProcess(options: { brokers: string[]; topic: string; auth?: { username: string; password: string } }): Promise<RegistryProcess> {
  const port = await freePort();
  const root = repositoryRoot();
  const child: ChildProcess = spawn(process.execPath, [join(root, 'dist', 'tools', 'schema-registry', 'src', 'main.js')], {
    cwd: root,
    env: {
      ...process.env,
      ...testConnectionEnv({ kafkaBrokers: options.brokers, schemaRegistryUrl: '' }),
      ...(options.auth ? { SCHEMA_REGISTRY_SERVER_USERNAME: options.auth.username, SCHEMA_REGISTRY_SERVER_PASSWORD: options.auth.password } : {}),
      SCHEMA_REGISTRY_PORT: String(port),
      SCHEMA_REGISTRY_TOPIC: options.topic,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const headers: Record<string, string> = options.auth
    ? { authorization: `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}` }
    : {};
  await waitFor(
    () => fetch(`${url}/subjects`, { headers }).then((response) => response.status),
    (status) => status === 200,
    { timeoutMs: 30_000, what: `registry on ${url}` },
  );
  return {
    url,
    stop: (signal = 'SIGKILL') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}
