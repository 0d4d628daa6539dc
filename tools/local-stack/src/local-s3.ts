import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ManagedProcess, portOpen, waitUntil } from './process-control';
import type { Progress } from './progress';
import type { StackPaths } from './stack-paths';
import type { StackSettings } from './stack-settings';

const run = promisify(execFile);

/** The S3Proxy release tools/local-stack/s3proxy/pom.xml resolves; its jars live in libs-<version>. */
export const S3PROXY_VERSION = '4.1.0';

/**
 * What the stack's own clients sign with. S3Proxy runs with `s3proxy.authorization=none`: it checks
 * no signature and accepts any access key id, so these are only names that show up in its log.
 */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'local-stack', secretAccessKey: 'local-stack' } as const;

/** GET / lists the buckets (ListAllMyBuckets) with 200: the port answers as an S3 server. */
export async function s3Answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('/', endpoint), { signal: AbortSignal.timeout(1000) });
    return response.ok && (await response.text()).includes('<ListAllMyBucketsResult');
  } catch {
    return false;
  }
}

/** Whether the process is S3Proxy; true where its command line cannot be read (no /proc). */
function runsS3Proxy(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('org.gaul.s3proxy.Main');
  } catch {
    return true;
  }
}

/**
 * An S3-compatible server for development and tests: S3Proxy (org.gaul:s3proxy) from its Maven
 * Central jars on the Java the stack already needs for Kafka, storing on the file system under
 * .local/s3proxy/buckets. Path-style addressing only.
 */
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

  private get libs(): string {
    return join(this.paths.s3Libs, `libs-${S3PROXY_VERSION}`);
  }

  /** Each bucket a directory, each object a file (S3Proxy's filesystem-nio2 blob store). */
  get bucketsDir(): string {
    return join(this.paths.s3, 'buckets');
  }

  async up(): Promise<'started' | 'running'> {
    const pid = this.process.pid();
    if (pid !== undefined && (await this.answers())) {
      if (runsS3Proxy(pid)) return 'running';
      // A stack directory from before S3Proxy still runs s3rver, which refuses every key but its own.
      this.progress.step(`s3: the running S3 server (pid ${pid}) is not S3Proxy; stopping it to start S3Proxy (its data in .local/s3 stays)`);
      await this.down();
    }
    if (await portOpen(this.settings.host, this.settings.port)) {
      throw new Error(`port ${this.settings.port} is taken by a process this stack did not start; stop it or set STACK_S3_PORT`);
    }
    await this.resolveJars();
    const properties = this.writeProperties();
    this.progress.step(`s3: starting S3Proxy ${S3PROXY_VERSION} on ${this.url}`);
    this.process.start('java', [
      '-Xmx256m',
      '-Djava.awt.headless=true',
      `-Dlogback.configurationFile=${join(this.paths.root, 'tools', 'local-stack', 's3proxy', 'logback.xml')}`,
      '-cp',
      join(this.libs, '*'),
      'org.gaul.s3proxy.Main',
      '--properties',
      properties,
    ]);
    await waitUntil('S3 server', () => this.answers(), { timeoutMs: 60_000, process: this.process });
    return 'started';
  }

  down(): Promise<boolean> {
    return this.process.stop(10_000);
  }

  answers(): Promise<boolean> {
    return s3Answers(this.url);
  }

  private async resolveJars(): Promise<void> {
    const marker = join(this.libs, '.complete');
    if (existsSync(marker)) return;
    this.progress.step(`s3: resolving S3Proxy ${S3PROXY_VERSION} jars from Maven Central (first run only, about 60 MB)`);
    rmSync(this.libs, { recursive: true, force: true });
    const pom = join(this.paths.root, 'tools', 'local-stack', 's3proxy', 'pom.xml');
    try {
      await run('mvn', ['-B', '-q', '-f', pom, `-Ds3proxy.version=${S3PROXY_VERSION}`, 'dependency:copy-dependencies', `-DoutputDirectory=${this.libs}`], {
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      const output = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
      throw new Error(`Maven could not resolve S3Proxy ${S3PROXY_VERSION} (needs Maven and access to Maven Central):\n${output.slice(-2000)}`, {
        cause: error,
      });
    }
    const jars = readdirSync(this.libs).filter((file) => file.endsWith('.jar'));
    writeFileSync(marker, `${jars.length} jars\n`);
    this.progress.step(`s3: resolved ${jars.length} jars`);
  }

  private writeProperties(): string {
    mkdirSync(this.bucketsDir, { recursive: true });
    const file = join(this.paths.s3, 's3proxy.properties');
    const lines = [
      `s3proxy.endpoint=${this.url}`,
      // Any access key and signature: a development server, reachable on the loopback address only.
      's3proxy.authorization=none',
      'jclouds.provider=filesystem-nio2',
      `jclouds.filesystem.basedir=${this.bucketsDir}`,
    ];
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }
}
