import { spawn, type SpawnOptions } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A background process of the stack, known by the pid file it leaves in .local/run. */
export class ManagedProcess {
  constructor(
    readonly name: string,
    private readonly runDir: string,
    readonly logFile: string,
  ) {}

  private get pidFile(): string {
    return join(this.runDir, `${this.name}.pid`);
  }

  pid(): number | undefined {
    if (!existsSync(this.pidFile)) return undefined;
    const pid = Number(readFileSync(this.pidFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return pid;
    rmSync(this.pidFile, { force: true });
    return undefined;
  }

  /** Starts the command detached, its output appended to the log file; the stack outlives this process. */
  start(command: string, args: string[], options: Pick<SpawnOptions, 'env' | 'cwd' | 'uid' | 'gid'> = {}): number {
    mkdirSync(this.runDir, { recursive: true });
    const out = openSync(this.logFile, 'a');
    try {
      const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', out, out] });
      if (child.pid === undefined) throw new Error(`${this.name}: could not start ${command}`);
      child.unref();
      writeFileSync(this.pidFile, String(child.pid));
      return child.pid;
    } finally {
      closeSync(out);
    }
  }

  /** SIGKILL at once, as a crash would; waits until it is gone. */
  async kill(): Promise<boolean> {
    const pid = this.pid();
    if (pid === undefined) return false;
    process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(50);
    rmSync(this.pidFile, { force: true });
    return true;
  }

  /** SIGTERM, then SIGKILL if it has not exited within the grace period. */
  async stop(graceMs: number): Promise<boolean> {
    const pid = this.pid();
    if (pid === undefined) return false;
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(50);
    rmSync(this.pidFile, { force: true });
    return true;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function portOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Polls until the probe succeeds. Fails early, with the log's tail, if the process it waits for
 * has died, so a broken start says why instead of timing out.
 */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  options: { timeoutMs: number; process?: ManagedProcess },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    if (options.process && options.process.pid() === undefined) {
      throw new Error(`${what} exited during start-up; last lines of ${options.process.logFile}:\n${tail(options.process.logFile, 20)}`);
    }
    await sleep(250);
  }
  throw new Error(`${what} did not become ready within ${options.timeoutMs / 1000}s${options.process ? `; see ${options.process.logFile}` : ''}`);
}

export function tail(file: string, lines: number): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
