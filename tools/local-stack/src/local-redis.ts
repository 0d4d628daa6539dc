import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ManagedProcess, waitUntil } from './process-control';
import type { Progress } from './progress';
import type { StackPaths } from './stack-paths';

/** Sends PING and expects +PONG: the port answers as Redis, not merely accepts connections. */
export function redisAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/**
 * Redis for the gateway's shared rate limits. These machines run one on 6379; the stack uses it
 * when it answers and otherwise starts `redis-server` itself, without persistence.
 */
export class LocalRedis {
  readonly process: ManagedProcess;

  constructor(
    private readonly paths: StackPaths,
    readonly port: number,
    private readonly progress: Progress,
  ) {
    this.process = new ManagedProcess('redis', paths.run, join(paths.logs, 'redis.log'));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<'started' | 'running'> {
    if (await redisAnswers('127.0.0.1', this.port)) return 'running';
    let binary: string;
    try {
      binary = execFileSync('sh', ['-c', 'command -v redis-server']).toString().trim();
    } catch {
      throw new Error(`no Redis answers on 127.0.0.1:${this.port} and redis-server is not installed (apt-get install redis-server), or set REDIS_URL`);
    }
    const dir = join(this.paths.stackDir, 'redis');
    mkdirSync(dir, { recursive: true });
    this.progress.step(`redis: starting redis-server on 127.0.0.1:${this.port}`);
    this.process.start(binary, ['--bind', '127.0.0.1', '--port', String(this.port), '--save', '', '--appendonly', 'no', '--dir', dir]);
    await waitUntil('Redis', () => redisAnswers('127.0.0.1', this.port), { timeoutMs: 20_000, process: this.process });
    return 'started';
  }

  /** Stops only a Redis this stack started; a machine's own Redis is left alone. */
  down(): Promise<boolean> {
    return this.process.stop(5000);
  }
}
