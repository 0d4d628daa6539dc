import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess, portOpen, waitUntil } from './process-control';
import type { Progress } from './progress';
import type { StackPaths } from './stack-paths';
import type { StackSettings } from './stack-settings';

/**
 * What a client of the stack's own S3 server signs with. s3rver checks no signature, but it does
 * look the access key id up among its accounts, and it has one: `S3RVER`. Any other key id is
 * refused with InvalidAccessKeyId; the secret is never compared.
 */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** GET / lists the buckets (ListAllMyBuckets) with 200: the port answers as s3rver. */
export async function s3Answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('/', endpoint), { signal: AbortSignal.timeout(1000) });
    return response.ok && (await response.text()).includes('<ListAllMyBucketsResult');
  } catch {
    return false;
  }
}

/** An S3-compatible server (s3rver, from npm) for development and tests; data in .local/s3. */
export class LocalS3 {
  readonly process: ManagedProcess;

  constructor(
    private readonly paths: StackPaths,
    private readonly settings: StackSettings['s3'],
    private readonly progress: Progress,
  ) {
    this.process = new ManagedProcess('s3', paths.run, join(paths.logs, 's3.log'));
  }

  get url(): string {
    return `http://${this.settings.host}:${this.settings.port}`;
  }

  async up(): Promise<'started' | 'running'> {
    if (this.process.pid() !== undefined && (await this.answers())) return 'running';
    if (await portOpen(this.settings.host, this.settings.port)) {
      throw new Error(`port ${this.settings.port} is taken by a process this stack did not start; stop it or set STACK_S3_PORT`);
    }
    const entry = join(this.paths.dist, 'tools', 'local-stack', 'src', 's3-server.js');
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
    this.progress.step(`s3: starting on ${this.url}`);
    // s3rver encrypts ListObjects continuation tokens with DES, which OpenSSL 3 keeps in its legacy
    // provider: without it every truncated listing (more than one page) fails with a 500.
    this.process.start(process.execPath, ['--openssl-legacy-provider', entry], {
      cwd: this.paths.root,
      env: {
        ...process.env,
        S3_SERVER_HOST: this.settings.host,
        S3_SERVER_PORT: String(this.settings.port),
        S3_SERVER_DIR: this.paths.s3,
      },
    });
    await waitUntil('S3 server', () => this.answers(), { timeoutMs: 20_000, process: this.process });
    return 'started';
  }

  down(): Promise<boolean> {
    return this.process.stop(10_000);
  }

  answers(): Promise<boolean> {
    return s3Answers(this.url);
  }
}
