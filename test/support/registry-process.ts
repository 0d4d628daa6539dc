import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repositoryRoot } from '@tracking/services';
import { freePort } from './free-port';
import { waitFor } from './wait-for';

export interface RegistryProcess {
  url: string;
  /** SIGKILL by default: the registry must not depend on a clean shutdown to keep what it acknowledged. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts the compiled registry (npm test builds it first) as its own process, on its own storage topic. */
export async function startRegistryProcess(options: { brokers: string[]; topic: string }): Promise<RegistryProcess> {
  const port = await freePort();
  const root = repositoryRoot();
  const child: ChildProcess = spawn(process.execPath, [join(root, 'dist', 'tools', 'schema-registry', 'src', 'main.js')], {
    cwd: root,
    env: {
      ...process.env,
      KAFKA_BROKERS: options.brokers.join(','),
      SCHEMA_REGISTRY_PORT: String(port),
      SCHEMA_REGISTRY_TOPIC: options.topic,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    () => fetch(`${url}/subjects`).then((response) => response.status),
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
