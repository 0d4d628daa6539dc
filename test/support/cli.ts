import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repositoryRoot } from '@tracking/services';
import { testConnectionEnv } from './test-connection';
import type { TestEnvironment } from './test-environment';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the compiled `tracking` command line against the test stack, as a user would. */
export function runCli(env: TestEnvironment, args: string[], extraEnv: Record<string, string> = {}, timeoutMs = 120_000): Promise<CliRun> {
  const root = repositoryRoot();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'dist', 'tools', 'cli', 'src', 'main.js'), '--brokers', env.kafkaBrokers.join(','), '--registry', env.schemaRegistryUrl, ...args], {
      cwd: root,
      env: { PATH: process.env['PATH'], DATABASE_URL: env.databaseUrl, ...testConnectionEnv(env), ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
