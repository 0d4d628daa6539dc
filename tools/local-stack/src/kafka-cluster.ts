import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaBroker, kafkaUuid, type KafkaNodeRole, type ListenerSecurity } from './kafka-broker';
import { waitUntil } from './process-control';
import type { Progress } from './progress';
import type { StackPaths } from './stack-paths';
import type { KafkaStackSettings } from './stack-settings';

/**
 * The stack's Kafka: the single combined broker/controller (the default, unchanged), or brokers 1..n
 * with a controller of their own.
 *
 * Why the cluster's controller is not combined with the brokers: with three combined nodes, losing
 * two of them also loses the controller quorum, and then nothing can shrink the ISR of the partitions
 * the third leads; producers with acks=all wait for a timeout instead of being refused with
 * NOT_ENOUGH_REPLICAS, and no leader is elected for the partitions the dead ones led. A dedicated
 * controller (a quorum of one, 256 MB of heap) keeps the metadata moving through any broker failure,
 * which is what the drills exercise; losing the controller itself is not among them.
 */
export class KafkaCluster {
  readonly brokers: KafkaBroker[];
  readonly controller?: KafkaBroker;

  constructor(
    private readonly paths: StackPaths,
    private readonly settings: KafkaStackSettings,
    progress: Progress,
    security?: () => ListenerSecurity,
  ) {
    if (settings.brokers === 1 && settings.security === 'plaintext') {
      this.brokers = [new KafkaBroker(paths, settings, progress)];
      return;
    }
    const home = this.home;
    const replicationFactor = Math.min(3, settings.brokers);
    const shared = {
      quorumBootstrap: `${settings.host}:${settings.controllerPort}`,
      replicationFactor,
      minInsyncReplicas: replicationFactor >= 3 ? 2 : 1,
      clusterId: () => this.clusterId(home),
      security,
    };
    if (settings.brokers === 1) {
      // One broker with SASL_SSL: the single node's layout, in a directory of its own.
      this.brokers = [new KafkaBroker(paths, settings, progress, { ...shared, nodeId: 1, roles: 'broker,controller', name: 'kafka', home, port: settings.port, controllerPort: settings.controllerPort, minInsyncReplicas: 1 })];
      return;
    }
    this.controller = new KafkaBroker(paths, settings, progress, {
      ...shared,
      nodeId: 0,
      roles: 'controller',
      name: 'kafka-controller',
      home: join(home, 'controller'),
      port: 0,
      controllerPort: settings.controllerPort,
    });
    this.brokers = Array.from({ length: settings.brokers }, (_, index): KafkaBroker => {
      const nodeId = index + 1;
      const role: KafkaNodeRole = { ...shared, nodeId, roles: 'broker', name: `kafka-${nodeId}`, home: join(home, `broker-${nodeId}`), port: settings.port + index, controllerPort: 0 };
      return new KafkaBroker(paths, settings, progress, role);
    });
  }

  /**
   * Where a cluster or a secured broker keeps its nodes: a directory per shape, so that switching
   * STACK_KAFKA_BROKERS or STACK_KAFKA_SECURITY never starts a node on storage formatted for another
   * (SCRAM users only exist if created at format time). The plain single broker stays in kafka/data.
   */
  get home(): string {
    return join(this.paths.kafka, `${this.settings.brokers}-broker${this.settings.brokers > 1 ? 's' : ''}-${this.settings.security}`);
  }

  get nodes(): KafkaBroker[] {
    return this.controller ? [this.controller, ...this.brokers] : this.brokers;
  }

  get bootstrap(): string[] {
    return this.brokers.map((broker) => broker.bootstrap);
  }

  broker(nodeId: number): KafkaBroker {
    const broker = this.brokers.find((candidate) => candidate.nodeId === nodeId);
    if (!broker) throw new Error(`no broker ${nodeId}; the brokers are ${this.brokers.map((candidate) => candidate.nodeId).join(', ')}`);
    return broker;
  }

  /** Starts every node not running yet, together, then waits until the cluster serves consumer groups. */
  async up(): Promise<'started' | 'running'> {
    if (this.brokers.length === 1 && !this.controller) return this.brokers[0]!.up();
    const outcomes = await Promise.all(this.nodes.map((node) => node.up()));
    await waitUntil('Kafka cluster', () => this.answers(), { timeoutMs: 90_000 });
    return outcomes.includes('started') ? 'started' : 'running';
  }

  /** Brokers first, so that they leave the cluster while the controller can still move leadership. */
  async down(): Promise<boolean> {
    const stopped = await Promise.all(this.brokers.map((broker) => broker.down()));
    const controller = (await this.controller?.down()) ?? false;
    return stopped.includes(true) || controller;
  }

  pids(): number[] {
    return this.nodes.map((node) => node.process.pid()).filter((pid): pid is number => pid !== undefined);
  }

  /** Every broker registered and the group coordinator loaded (its internal topic needs every replica's broker the first time). */
  async answers(): Promise<boolean> {
    if (this.brokers.length === 1 && !this.controller) return this.brokers[0]!.answers();
    const admin = this.brokers[0]!.adminClient(this.bootstrap);
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length < this.brokers.length) return false;
      await admin.describeGroups(['local-stack-readiness-probe']);
      return true;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  classpath(): string {
    return this.brokers[0]!.classpath();
  }

  /** One cluster id for all nodes, made on the first start and kept beside them. */
  private clusterId(home: string): string {
    const file = join(home, 'cluster-id');
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    mkdirSync(home, { recursive: true });
    const id = kafkaUuid();
    writeFileSync(file, `${id}\n`);
    return id;
  }
}
