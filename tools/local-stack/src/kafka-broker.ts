import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { prepareKafkajs } from '@tracking/kafka';
import { ManagedProcess, portOpen, waitUntil } from './process-control';
import type { StackPaths } from './stack-paths';
import type { StackSettings } from './stack-settings';
import type { Progress } from './progress';

const run = promisify(execFile);

/** Apache Kafka in KRaft mode (combined broker and controller), from its Maven Central jars. */
export class KafkaBroker {
  readonly process: ManagedProcess;
  private readonly home: string;

  constructor(
    private readonly paths: StackPaths,
    private readonly settings: StackSettings['kafka'],
    private readonly progress: Progress,
  ) {
    this.home = paths.kafka;
    this.process = new ManagedProcess('kafka', paths.run, join(paths.logs, 'kafka.log'));
  }

  get bootstrap(): string {
    return `${this.settings.host}:${this.settings.port}`;
  }

  private get libs(): string {
    return join(this.paths.kafkaLibs, `libs-${this.settings.version}`);
  }

  private get dataDir(): string {
    return join(this.home, 'data');
  }

  async up(): Promise<'started' | 'running'> {
    if (this.process.pid() !== undefined && (await this.answers())) return 'running';
    if (await portOpen(this.settings.host, this.settings.port)) {
      throw new Error(`port ${this.bootstrap} is taken by a process this stack did not start; stop it or set STACK_KAFKA_PORT`);
    }
    await this.resolveJars();
    const config = this.writeConfig();
    await this.formatStorage(config);
    this.progress.step(`kafka: starting broker ${this.settings.version} on ${this.bootstrap}`);
    this.process.start('java', [...this.jvmOptions(), '-cp', join(this.libs, '*'), 'kafka.Kafka', config]);
    await waitUntil('Kafka broker', () => this.answers(), { timeoutMs: 90_000, process: this.process });
    return 'started';
  }

  async down(): Promise<boolean> {
    // A clean shutdown writes the recovery checkpoints, so the next start skips log recovery.
    return this.process.stop(30_000);
  }

  /**
   * The broker answers metadata requests and its group coordinator is loaded, not merely accepts
   * TCP connections: otherwise the first consumers and idempotent producers log retries.
   */
  async answers(): Promise<boolean> {
    if (!(await portOpen(this.settings.host, this.settings.port))) return false;
    prepareKafkajs();
    const admin = new Kafka({ brokers: [this.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      await admin.describeGroups(['local-stack-readiness-probe']);
      return cluster.brokers.length > 0;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Classpath of the broker, for tools such as kafka-producer-perf-test. */
  classpath(): string {
    return join(this.libs, '*');
  }

  private async resolveJars(): Promise<void> {
    const marker = join(this.libs, '.complete');
    if (existsSync(marker)) return;
    this.progress.step(`kafka: resolving Kafka ${this.settings.version} jars from Maven Central (first run only, about 55 MB)`);
    rmSync(this.libs, { recursive: true, force: true });
    const pom = join(this.paths.root, 'tools', 'local-stack', 'kafka', 'pom.xml');
    try {
      await run('mvn', ['-B', '-q', '-f', pom, `-Dkafka.version=${this.settings.version}`, 'dependency:copy-dependencies', `-DoutputDirectory=${this.libs}`], {
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      const output = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
      throw new Error(`Maven could not resolve Kafka ${this.settings.version} (needs Maven and access to Maven Central):\n${output.slice(-2000)}`, {
        cause: error,
      });
    }
    const jars = readdirSync(this.libs).filter((file) => file.endsWith('.jar'));
    writeFileSync(marker, `${jars.length} jars\n`);
  }

  private writeConfig(): string {
    mkdirSync(this.dataDir, { recursive: true });
    const template = readFileSync(join(this.paths.root, 'tools', 'local-stack', 'kafka', 'server.properties'), 'utf8');
    const values: Record<string, string> = {
      host: this.settings.host,
      port: String(this.settings.port),
      controllerPort: String(this.settings.controllerPort),
      dataDir: this.dataDir,
    };
    const config = join(this.home, 'server.properties');
    writeFileSync(config, template.replace(/\$\{(\w+)\}/g, (_, name: string) => values[name] ?? `\${${name}}`));
    return config;
  }

  /** Formats the storage directory once; later starts reuse the cluster and its topics. */
  private async formatStorage(config: string): Promise<void> {
    if (existsSync(join(this.dataDir, 'meta.properties'))) return;
    this.progress.step('kafka: formatting KRaft storage');
    const java = (args: string[]) => run('java', ['-cp', this.classpath(), 'kafka.tools.StorageTool', ...args]);
    const clusterId = (await java(['random-uuid'])).stdout.trim().split('\n').pop() ?? '';
    await java(['format', '-t', clusterId, '-c', config, '--standalone', '--ignore-formatted']);
  }

  private jvmOptions(): string[] {
    return [
      `-Xms256m`,
      `-Xmx${this.settings.heap}`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${join(this.paths.root, 'tools', 'local-stack', 'kafka', 'log4j2.yaml')}`,
      `-Dkafka.logs.dir=${this.paths.logs}`,
    ];
  }
}
