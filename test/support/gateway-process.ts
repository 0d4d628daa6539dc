import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repositoryRoot } from '@tracking/services';
import type { AppProcess } from './app-process';
import { freePort } from './free-port';
import type { TestEnvironment } from './test-environment';
import { gatewayTestSettings } from './in-process-services';
import { waitFor } from './wait-for';

export interface GatewayProcess extends AppProcess {
  pid: number;
}

function gatewayEnv(env: TestEnvironment, port: number, overrides: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'], HOST: '127.0.0.1', PORT: String(port), ...gatewayTestSettings(env), ...overrides };
}

const gatewayEntry = (): string => join(repositoryRoot(), 'dist', 'apps', 'gateway', 'src', 'main.js');

/** The compiled gateway as its own process (npm test builds it first), as production runs it. */
export async function startGatewayProcess(env: TestEnvironment, overrides: Record<string, string> = {}): Promise<GatewayProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [gatewayEntry()], { cwd: repositoryRoot(), env: gatewayEnv(env, port, overrides), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errorOutput = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    errorOutput += chunk.toString('utf8');
    // Shown as when stderr was inherited: a start failure's message belongs in the test's output.
    process.stderr.write(chunk);
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    () => fetch(`${url}/readyz`).then((response) => response.status),
    (status) => status === 200,
    { timeoutMs: 30_000, what: `gateway process on ${url}` },
  );
  return {
    url,
    pid: child.pid ?? -1,
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

/** Starts the gateway expecting it to refuse to start: resolves with its exit code and stderr once it exits. */
export async function gatewayStartFailure(env: TestEnvironment, overrides: Record<string, string> = {}, timeoutMs = 60_000): Promise<{ code: number | null; stderr: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [gatewayEntry()], { cwd: repositoryRoot(), env: gatewayEnv(env, port, overrides), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  return { code, stderr };
}
