import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaSettings, RegistrySettings } from '@tracking/config';
import { kafkaConnection, prepareKafkajs } from '@tracking/kafka';
import { repositoryRoot } from '@tracking/services';
import type { KafkaBroker } from '@tools/local-stack/kafka-broker';
import { LocalStack, type StackConnection } from '@tools/local-stack/local-stack';
import { Progress } from '@tools/local-stack/progress';
import { clientEnvironment } from '@tools/local-stack/stack-env';
import { stackPaths } from '@tools/local-stack/stack-paths';
import { loadStackSettings } from '@tools/local-stack/stack-settings';
import { clusterStackLayout, clusterStackVariables } from './cluster-stack-settings';
import { testEnvironment } from './test-environment';
import { useKafkaSecurity } from './test-kafka';

/** One broker of the cluster, to break and mend. */
export interface ClusterBroker {
  readonly nodeId: number;
  /** host:port of its client listener. */
  readonly address: string;
  /** SIGKILL, as a crash: no controlled shutdown, no leadership handed over. */
  kill(): Promise<void>;
  /** SIGTERM and wait: a controlled shutdown moves its leaderships first. */
  stop(): Promise<void>;
  /** Starts it (again) and waits until the controller has registered and unfenced it. */
  start(): Promise<void>;
  pid(): number | undefined;
}

export interface ClusterStack {
  brokers: readonly ClusterBroker[];
  broker(nodeId: number): ClusterBroker;
  /** The client settings of the cluster and its registry, for services started as child processes (as stack.env holds them). */
  env: Record<string, string>;
  /** For test clients: kafkaConnection(kafka) gives a kafkajs client of the cluster. */
  kafka: KafkaSettings;
  registry: RegistrySettings;
  connection: StackConnection;
  /** Partition -> node id of its leader (-1: none). */
  leaders(topic: string): Promise<Map<number, number>>;
  /** Waits until every partition of the topic has all its replicas in sync; resolves with how long that took (ms). */
  waitForFullIsr(topic: string, timeoutMs: number): Promise<number>;
  /** Stops the brokers, the controller and the registry (the data stays, so the next start is warm). */
  down(): Promise<void>;
}

let running: Promise<ClusterStack> | undefined;

/**
 * A three-broker cluster (with its own controller) and a schema registry, SASL_SSL with SCRAM-SHA-512
 * and basic auth unless CLUSTER_STACK_SECURITY=plaintext, in a stack directory of its own; PostgreSQL, Redis and S3 are the main stack's. Topics and schemas are provisioned. A
 * cluster already running (an earlier spec, an earlier run) is reused, and a broker an earlier
 * drill left down is started again.
 */
export function clusterStack(): Promise<ClusterStack> {
  running ??= startClusterStack().catch((error: unknown) => {
    running = undefined;
    throw error;
  });
  return running;
}

async function startClusterStack(): Promise<ClusterStack> {
  const test = testEnvironment();
  const layout = clusterStackLayout(repositoryRoot());
  const settings = loadStackSettings(clusterStackVariables(layout, test));
  // The Kafka jars the main stack resolved; the cluster stack has none of its own.
  const paths = { ...stackPaths(settings.stackDir), kafkaLibs: stackPaths(process.env['STACK_DIR']).kafkaLibs };
  const stack = new LocalStack(settings, new Progress(process.env['CLUSTER_STACK_VERBOSE'] !== 'true'), paths);
  const { connection } = await stack.up();

  const kafka: KafkaSettings = { brokers: connection.kafkaBrokers, clientId: 'cluster-stack-test' };
  if (connection.kafkaSecurity) {
    kafka.tls = { ca: readFileSync(connection.kafkaSecurity.caFile, 'utf8') };
    kafka.sasl = { mechanism: connection.kafkaSecurity.mechanism, username: connection.kafkaSecurity.username, password: connection.kafkaSecurity.password };
    // The shared test helpers (testKafka: topic readers, ledgers, fixtures) then reach this cluster with its TLS and SASL.
    useKafkaSecurity(connection.kafkaBrokers, { tls: kafka.tls, sasl: kafka.sasl });
  }
  const registry: RegistrySettings = { url: connection.schemaRegistryUrl };
  if (connection.registryAuth) registry.basicAuth = { ...connection.registryAuth };

  const metadata = async (topic: string): Promise<Array<{ partitionId: number; leader: number; replicas: number[]; isr: number[] }>> => {
    prepareKafkajs();
    const admin = new Kafka({ ...kafkaConnection({ ...kafka, clientId: 'cluster-stack-inspection' }), logLevel: logLevel.NOTHING, retry: { retries: 2 }, connectionTimeout: 2000 }).admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      return topics[0]?.partitions ?? [];
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };

  const handle = (node: KafkaBroker): ClusterBroker => ({
    nodeId: node.nodeId,
    address: node.bootstrap,
    kill: async () => {
      await node.kill();
    },
    stop: async () => {
      await node.down();
    },
    start: async () => {
      await node.up();
    },
    pid: () => node.process.pid(),
  });
  const brokers = stack.kafka.brokers.map(handle);

  return {
    brokers,
    broker: (nodeId) => {
      const broker = brokers.find((candidate) => candidate.nodeId === nodeId);
      if (!broker) throw new Error(`no broker ${nodeId} in the cluster stack (brokers ${brokers.map((candidate) => candidate.nodeId).join(', ')})`);
      return broker;
    },
    env: clientEnvironment(connection),
    kafka,
    registry,
    connection,
    leaders: async (topic) => new Map((await metadata(topic)).map((partition) => [partition.partitionId, partition.leader])),
    waitForFullIsr: async (topic, timeoutMs) => {
      const startedAt = Date.now();
      let last = 'no metadata yet';
      while (Date.now() - startedAt < timeoutMs) {
        try {
          const partitions = await metadata(topic);
          const lagging = partitions.filter((partition) => partition.isr.length < partition.replicas.length);
          if (partitions.length > 0 && lagging.length === 0) return Date.now() - startedAt;
          last = lagging.map((partition) => `partition ${partition.partitionId} ISR ${partition.isr.join(',')} of ${partition.replicas.join(',')}`).join('; ');
        } catch (error) {
          last = (error as Error).message;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new Error(`${topic}: replicas not all in sync after ${timeoutMs} ms (${last})`);
    },
    down: async () => {
      running = undefined;
      await stack.down(['schema-registry', 'kafka']);
    },
  };
}
