import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repositoryRoot } from '@tools/local-stack/stack-paths';
import { freePort } from './free-port';
import { vaultLoaderSettings } from './in-process-services';
import type { TestEnvironment } from './test-environment';
import { waitFor } from './wait-for';

export interface LoaderProcess {
  url: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The compiled loader as its own process, so a test can SIGKILL it in the middle of a batch. */
export async function startLoaderProcess(env: TestEnvironment, groupId: string, overrides: Record<string, string> = {}): Promise<LoaderProcess> {
  const port = await freePort();
  const root = repositoryRoot();
  const child = spawn(process.execPath, [join(root, 'dist', 'apps', 'vault-loader', 'src', 'main.js')], {
    cwd: root,
    env: { PATH: process.env['PATH'], ...vaultLoaderSettings(env, groupId, { VAULT_LOADER_PORT: String(port), ...overrides }) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    () => fetch(`${url}/livez`).then((response) => response.status),
    (status) => status === 200,
    { timeoutMs: 60_000, what: `vault-loader process on ${url}` },
  );
  return {
    url,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}
