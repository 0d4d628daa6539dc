import { spawn } from 'node:child_process';
import { serviceProcessEnv } from '@tracking/services';

/** Runs a Node script to completion (with this process's environment unless `env` is given); rejects with its stderr's tail when it fails. */
export function runNode(script: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${script} exited with code ${code}: ${stderr.slice(-2000)}`))));
  });
}

export interface NodeServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * This process's environment with the services' Node options and malloc setting: for a baseline that
 * stands for a service (a minimal gateway, a decode-only consumer), so the ratio compares like with like.
 */
export function baselineEnv(): NodeJS.ProcessEnv {
  return serviceProcessEnv(process.env);
}

/**
 * Starts a Node server script that prints its address as its first line of output. Such a server is
 * the baseline of a service, so it runs with the services' Node options and environment.
 */
export function startNodeServer(script: string, args: string[] = []): Promise<NodeServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: baselineEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${script} exited with code ${code} before answering`)));
    child.stdout.once('data', (chunk: Buffer) => {
      resolve({
        url: chunk.toString().trim().split('\n')[0] ?? '',
        pid: child.pid ?? -1,
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}
