import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, SERVICES, serviceProcessEnv } from '@tracking/services';
import { sleep } from '@tools/local-stack/process-control';

export interface ServiceProcess {
  name: string;
  url: string;
  pid: number;
  /** Peak resident set size so far (VmHWM), in bytes. */
  peakRssBytes(): number;
  /** Stops the process; the peak RSS it reached is kept in the launcher's records. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Linux's high-water mark of a process's resident memory; 0 once it is gone. */
export function peakRss(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Starts the compiled services as their own processes (as production runs them, so the load
 * generator never shares their CPU time, and with the Node options and environment production
 * gives them), and remembers the peak RSS each reached.
 */
export class ServiceLauncher {
  /** Highest peak RSS per service name over the run. */
  readonly peaks = new Map<string, number>();
  private readonly running = new Set<ServiceProcess>();

  constructor(
    private readonly dist: string,
    readonly baseEnv: NodeJS.ProcessEnv,
    private readonly logFile: (name: string) => string,
    /** Extra Node options of every service, e.g. --cpu-prof (bench --cpu-prof). */
    private readonly nodeArgs: readonly string[] = [],
  ) {}

  async start(name: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
    const spec = SERVICES.find((service) => service.name === name);
    if (!spec) throw new Error(`unknown service ${name}`);
    const port = await freePort();
    const out = openSync(this.logFile(name), 'a');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [...this.nodeArgs, join(this.dist, spec.entry)], {
        env: serviceProcessEnv({ ...this.baseEnv, ...env, [spec.portVariable]: String(port) }),
        stdio: ['ignore', out, out],
      });
    } finally {
      closeSync(out);
    }
    const pid = child.pid ?? -1;
    const url = `http://127.0.0.1:${port}`;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const service: ServiceProcess = {
      name,
      url,
      pid,
      peakRssBytes: () => peakRss(pid),
      stop: async (signal = 'SIGTERM') => {
        this.record(name, peakRss(pid));
        this.running.delete(service);
        if (child.exitCode === null && child.signalCode === null) {
          child.kill(signal);
          const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
          await exited;
          clearTimeout(timer);
        }
      },
    };
    this.running.add(service);
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${name} exited during start-up (code ${child.exitCode}); see ${this.logFile(name)}`);
      const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
      if (ready) return service;
      if (Date.now() > deadline) {
        await service.stop('SIGKILL');
        throw new Error(`${name} was not ready within 90 s; see ${this.logFile(name)}`);
      }
      await sleep(200);
    }
  }

  record(name: string, bytes: number): void {
    this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, bytes));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running].map((service) => service.stop()));
  }
}
