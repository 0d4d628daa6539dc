import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repositoryRoot } from '@tracking/services';
import { freePort } from './free-port';
import { waitFor } from './wait-for';

export interface AppProcess {
  url: string;
  /** Everything the process wrote to stdout so far (its JSON log lines). */
  output(): string;
  /** Everything it wrote to stderr so far (also shown in the test's output). */
  errorOutput(): string;
  /** Resolves with the exit code once the process is gone (null when a signal ended it). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A compiled app as its own process, so a test can SIGKILL it at the worst moment. */
export async function startAppProcess(app: string, portVariable: string, settings: Record<string, string>): Promise<AppProcess> {
  const port = await freePort();
  const root = repositoryRoot();
  const child = spawn(process.execPath, [join(root, 'dist', 'apps', app, 'src', 'main.js')], {
    cwd: root,
    env: { PATH: process.env['PATH'], ...settings, [portVariable]: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errorOutput = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    errorOutput += chunk.toString('utf8');
    // Shown as when stderr was inherited: a crash's stack trace belongs in the test's output.
    process.stderr.write(chunk);
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    () => fetch(`${url}/livez`).then((response) => response.status),
    (status) => status === 200,
    { timeoutMs: 60_000, what: `${app} process on ${url}` },
  );
  return {
    url,
    output: () => output,
    errorOutput: () => errorOutput,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}
