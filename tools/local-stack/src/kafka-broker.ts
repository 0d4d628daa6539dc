import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaSettings } from '@tracking/config';
import { kafkaConnection, prepareKafkajs } from '@tracking/kafka';
import { ManagedProcess, portOpen, waitUntil } from './process-control';
import type { StackPaths } from './stack-paths';
import type { KafkaStackSettings } from './stack-settings';
import type { Progress } from './progress';

const run = promisify(execFile);

/** What the brokers' client (and inter-broker) listener adds to server.properties; see kafka-security.ts. */
export interface ListenerSecurity {
  /** Listener name and security protocol, e.g. SASL_SSL. */
  protocol: 'PLAINTEXT' | 'SASL_SSL';
  /** Extra server.properties lines (keystores, SASL mechanisms, JAAS). */
  properties: string[];
  /** `--add-scram` arguments of the storage format: the users exist from the first start. */
  scramUsers: string[];
  /** How the stack's own admin clients (readiness probe, provisioning) connect. */
  client: Pick<KafkaSettings, 'tls' | 'sasl'>;
}

/** A KRaft node's place in the stack: the single combined node, or one broker or controller of a cluster. */
export interface KafkaNodeRole {
  nodeId: number;
  roles: 'broker,controller' | 'broker' | 'controller';
  /** Its pid file and log file: `kafka` for the single node, as before clusters existed. */
  name: string;
  /** Holds its server.properties and data/. */
  home: string;
  /** Client port (brokers). */
  port: number;
  /** Controller port (controllers). */
  controllerPort: number;
  /** Every controller's host:port, for controller.quorum.bootstrap.servers. */
  quorumBootstrap: string;
  replicationFactor: number;
  minInsyncReplicas: number;
  /** The cluster id every node is formatted with (asked only when formatting); unset, the single node makes one up. */
  clusterId?: () => string;
  /** Asked for when the node is configured or probed (it may make certificates and passwords the first time). */
  security?: () => ListenerSecurity;
}

/** The single combined broker/controller of the default stack: node 1, its data in .local/kafka/data. */
export function singleNodeRole(paths: StackPaths, settings: KafkaStackSettings): KafkaNodeRole {
  return {
    nodeId: 1,
    roles: 'broker,controller',
    name: 'kafka',
    home: paths.kafka,
    port: settings.port,
    controllerPort: settings.controllerPort,
    quorumBootstrap: `${settings.host}:${settings.controllerPort}`,
    replicationFactor: 1,
    minInsyncReplicas: 1,
  };
}

/** Apache Kafka in KRaft mode, from its Maven Central jars: one node of the stack's cluster. */
export class KafkaBroker {
  readonly process: ManagedProcess;
  readonly role: KafkaNodeRole;

  constructor(
    private readonly paths: StackPaths,
    private readonly settings: KafkaStackSettings,
    private readonly progress: Progress,
    role?: KafkaNodeRole,
  ) {
    this.role = role ?? singleNodeRole(paths, settings);
    this.process = new ManagedProcess(this.role.name, paths.run, join(paths.logs, `${this.role.name}.log`));
  }

  get nodeId(): number {
    return this.role.nodeId;
  }

  get isBroker(): boolean {
    return this.role.roles !== 'controller';
  }

  /** host:port of its client listener (brokers), of its controller listener (controllers). */
  get bootstrap(): string {
    return `${this.settings.host}:${this.isBroker ? this.role.port : this.role.controllerPort}`;
  }

  private get libs(): string {
    return join(this.paths.kafkaLibs, `libs-${this.settings.version}`);
  }

  private get dataDir(): string {
    return join(this.role.home, 'data');
  }

  async up(): Promise<'started' | 'running'> {
    if (this.process.pid() !== undefined && (await this.answers())) return 'running';
    const ports = this.role.roles === 'broker' ? [this.role.port] : this.role.roles === 'controller' ? [this.role.controllerPort] : [this.role.port, this.role.controllerPort];
    for (const port of ports) {
      if (this.process.pid() === undefined && (await portOpen(this.settings.host, port))) {
        throw new Error(`port ${this.settings.host}:${port} is taken by a process this stack did not start; stop it or set STACK_KAFKA_PORT / STACK_KAFKA_CONTROLLER_PORT`);
      }
    }
    if (this.process.pid() === undefined) await this.start();
    await waitUntil(`Kafka ${this.role.name}`, () => this.answers(), { timeoutMs: 90_000, process: this.process });
    return 'started';
  }

  /** Starts the JVM without waiting for it to answer (a cluster starts its nodes together). */
  async start(): Promise<void> {
    await this.resolveJars();
    const config = this.writeConfig();
    await this.formatStorage(config);
    this.progress.step(`kafka: starting ${this.role.roles} ${this.role.nodeId} (${this.settings.version}) on ${this.bootstrap}`);
    this.process.start('java', [...this.jvmOptions(), '-cp', join(this.libs, '*'), 'kafka.Kafka', config]);
  }

  async down(): Promise<boolean> {
    // A clean shutdown writes the recovery checkpoints, so the next start skips log recovery.
    return this.process.stop(30_000);
  }

  /** SIGKILL: what a crashed machine looks like to the rest of the cluster. */
  kill(): Promise<boolean> {
    return this.process.kill();
  }

  /**
   * The node is of use, not merely accepting TCP connections. The single node: it answers metadata
   * requests and its group coordinator is loaded (otherwise the first consumers and idempotent
   * producers log retries). A broker of a cluster: the controller has registered and unfenced it.
   * A controller: its port accepts connections (kafkajs cannot speak to controllers).
   */
  async answers(): Promise<boolean> {
    if (!(await portOpen(this.settings.host, this.isBroker ? this.role.port : this.role.controllerPort))) return false;
    if (!this.isBroker) return true;
    prepareKafkajs();
    const admin = this.adminClient([this.bootstrap]);
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (this.role.roles === 'broker,controller') {
        await admin.describeGroups(['local-stack-readiness-probe']);
        return cluster.brokers.length > 0;
      }
      return cluster.brokers.some((broker) => broker.nodeId === this.role.nodeId);
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** An admin client of the stack itself (no retries: callers poll). */
  adminClient(brokers: string[]): ReturnType<Kafka['admin']> {
    const settings: KafkaSettings = { brokers, clientId: 'local-stack', ...this.role.security?.().client };
    return new Kafka({ ...kafkaConnection(settings), logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 3000 }).admin();
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
    const { host } = this.settings;
    const role = this.role;
    const security = role.security?.();
    const client = security?.protocol ?? 'PLAINTEXT';
    const listeners: string[] = [];
    if (this.isBroker) listeners.push(`${client}://${host}:${role.port}`);
    if (role.roles !== 'broker') listeners.push(`CONTROLLER://${host}:${role.controllerPort}`);
    const template = readFileSync(join(this.paths.root, 'tools', 'local-stack', 'kafka', 'server.properties'), 'utf8');
    const values: Record<string, string> = {
      roles: role.roles,
      nodeId: String(role.nodeId),
      quorumBootstrap: role.quorumBootstrap,
      listeners: listeners.join(','),
      advertisedListeners:
        role.roles === 'controller' ? `advertised.listeners=CONTROLLER://${host}:${role.controllerPort}` : `advertised.listeners=${client}://${host}:${role.port}`,
      interBrokerListener: this.isBroker ? `inter.broker.listener.name=${client}` : '',
      protocolMap: `${client}:${client},CONTROLLER:PLAINTEXT`,
      dataDir: this.dataDir,
      replicationFactor: String(role.replicationFactor),
      minInsyncReplicas: String(role.minInsyncReplicas),
      extra: this.isBroker && security ? security.properties.join('\n') : '',
    };
    const config = join(role.home, 'server.properties');
    writeFileSync(config, template.replace(/\$\{(\w+)\}/g, (_, name: string) => values[name] ?? `\${${name}}`), { mode: 0o600 });
    return config;
  }

  /** Formats the storage directory once; later starts reuse the cluster and its topics. */
  private async formatStorage(config: string): Promise<void> {
    if (existsSync(join(this.dataDir, 'meta.properties'))) return;
    this.progress.step(`kafka: formatting KRaft storage of ${this.role.name}`);
    const clusterId = this.role.clusterId?.() ?? kafkaUuid();
    // The controller of a quorum of one bootstraps it alone; brokers only learn where it is.
    const quorum = this.role.roles === 'broker' ? ['--no-initial-controllers'] : ['--standalone'];
    // SCRAM users go into the bootstrap metadata, which the controllers write; brokers learn them from there.
    const scram = this.role.roles === 'broker' ? [] : (this.role.security?.().scramUsers ?? []).flatMap((user) => ['--add-scram', user]);
    await run('java', ['-cp', this.classpath(), 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', config, ...quorum, ...scram, '--ignore-formatted']);
  }

  private jvmOptions(): string[] {
    return [
      `-Xms${this.role.roles === 'controller' ? '64m' : '256m'}`,
      `-Xmx${this.role.roles === 'controller' ? '256m' : this.settings.heap}`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${join(this.paths.root, 'tools', 'local-stack', 'kafka', 'log4j2.yaml')}`,
      `-Dkafka.logs.dir=${this.paths.logs}`,
    ];
  }
}

/** Kafka's Uuid text form (16 random bytes, URL-safe base64), without starting a JVM for random-uuid. */
export function kafkaUuid(): string {
  for (;;) {
    const text = crypto.getRandomValues(new Uint8Array(16));
    const encoded = Buffer.from(text).toString('base64url');
    // Kafka refuses ids that a command line would take for an option.
    if (!encoded.startsWith('-')) return encoded;
  }
}
