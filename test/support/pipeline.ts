import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { CONSUMER_SUBSCRIPTIONS } from '@tracking/contracts';
import { repositoryRoot } from '@tracking/services';
import { startAppProcess, type AppProcess } from './app-process';
import { startGatewayProcess, type GatewayProcess } from './gateway-process';
import { automationTriggerSettings, exporterSettings, vaultLoaderSettings } from './in-process-services';
import { positionGroup } from './kafka-inspection';
import { applyTestCustomers } from './test-customers';
import { testEnvironment, type TestEnvironment } from './test-environment';

export type PipelineService = 'gateway' | 'vault-loader' | 'automation-trigger' | 'exporter';
export type ConsumerService = Exclude<PipelineService, 'gateway'>;

const ALL_SERVICES: readonly PipelineService[] = ['gateway', 'vault-loader', 'automation-trigger', 'exporter'];

/** One service of a pipeline: the process running now, which a test may stop, kill and start again. */
export class ServiceHandle<P extends AppProcess = AppProcess> {
  /** stdout and stderr of the processes a restart replaced. */
  private readonly earlier: string[] = [];

  constructor(
    readonly name: PipelineService,
    private readonly boot: () => Promise<P>,
    protected current: P,
  ) {}

  /** The current process's address; a restart moves it to a new port. */
  get url(): string {
    return this.current.url;
  }

  /** Resolves with the exit code once the process is gone (null when a signal ended it). */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    return this.current.stop(signal);
  }

  kill(): Promise<number | null> {
    return this.stop('SIGKILL');
  }

  /** A new process with the same settings (and consumer group), once the current one is gone. */
  async restart(): Promise<void> {
    await this.current.stop();
    this.earlier.push(this.current.output(), this.current.errorOutput());
    this.current = await this.boot();
  }

  /** Everything every process of this service wrote, stdout and stderr, e.g. to check that no secret is in it. */
  logs(): string {
    return [...this.earlier, this.current.output(), this.current.errorOutput()].join('\n');
  }
}

export class GatewayHandle extends ServiceHandle<GatewayProcess> {
  get pid(): number {
    return this.current.pid;
  }

  /** Everything the current process wrote to stdout so far (its JSON log lines). */
  output(): string {
    return this.current.output();
  }
}

export class ConsumerHandle extends ServiceHandle<AppProcess> {
  constructor(
    name: ConsumerService,
    /** The consumer group, placed at the end of every topic the service reads before its first start. */
    readonly group: string,
    boot: () => Promise<AppProcess>,
    first: AppProcess,
  ) {
    super(name, boot, first);
  }
}

type HandleOf<S extends PipelineService> = S extends 'gateway' ? GatewayHandle : ConsumerHandle;

export type Pipeline<S extends PipelineService = PipelineService> = { readonly [K in S]: HandleOf<K> } & {
  /** Stops every service (SIGTERM) at once. */
  stop(): Promise<void>;
};

export interface PipelineOptions<S extends PipelineService> {
  /** Begins each consumer group's name (`<name>-<service>-<random>`), so the broker's group list says which test made it. */
  name: string;
  /** Default: all four. */
  services?: readonly S[];
  /**
   * The test's customers: those of this directory that are not the example customers are applied to
   * the shared topic tracking.customers.v1 before any service starts, and every service reads the
   * topic (with the example customers the stack applied). Default: the example customers only.
   */
  customersDir?: string;
  /**
   * `directory`: every service reads `customersDir` itself (CUSTOMERS_DIR, the development fallback)
   * instead of the topic, for a pipeline on a cluster whose registry the test's customer client does
   * not reach. Default `topic`.
   */
  customersVia?: 'topic' | 'directory';
  /** Default: the test stack. */
  env?: TestEnvironment;
  /** Settings on top of the tests' defaults (in-process-services), per service. */
  settings?: Partial<Record<PipelineService, Readonly<Record<string, string>>>>;
}

const CONSUMERS: Record<
  ConsumerService,
  { portVariable: string; topics: readonly string[]; settings: (env: TestEnvironment, group: string, customersDir: string | undefined, overrides: Record<string, string>) => Record<string, string> }
> = {
  'vault-loader': {
    portVariable: 'VAULT_LOADER_PORT',
    topics: CONSUMER_SUBSCRIPTIONS.vaultLoader,
    // The hourly retention pass never falls inside a test; 0 says so and starts no timer at all.
    settings: (env, group, customersDir, overrides) =>
      vaultLoaderSettings(env, group, { ...(customersDir === undefined ? {} : { CUSTOMERS_DIR: customersDir }), VAULT_RETENTION_INTERVAL_MINUTES: '0', ...overrides }),
  },
  'automation-trigger': { portVariable: 'AUTOMATION_TRIGGER_PORT', topics: CONSUMER_SUBSCRIPTIONS.automationTrigger, settings: automationTriggerSettings },
  exporter: { portVariable: 'EXPORTER_PORT', topics: CONSUMER_SUBSCRIPTIONS.exporter, settings: exporterSettings },
};

/** A consumer group of its own for a service, and how to start an instance in it (any number of them, each on its own port). */
export interface ConsumerGroupLauncher {
  service: ConsumerService;
  group: string;
  start(): Promise<AppProcess>;
}

/**
 * Places a fresh group (`<name>-<service>-<random>`) at the end of every topic the service reads and
 * returns how to start instances of the service in it with the tests' settings plus `settings`.
 */
export async function consumerGroupLauncher(
  service: ConsumerService,
  /** `customersDir`: the instances read that directory (CUSTOMERS_DIR); unset, the shared customer topic (apply with applyTestCustomers). */
  options: { name: string; env?: TestEnvironment; customersDir?: string; settings?: Readonly<Record<string, string>> },
): Promise<ConsumerGroupLauncher> {
  const env = options.env ?? testEnvironment();
  const customersDir = options.customersDir;
  const consumer = CONSUMERS[service];
  const group = `${options.name}-${service}-${randomUUID().slice(0, 8)}`;
  await positionGroup(env.kafkaBrokers, group, consumer.topics);
  const settings = consumer.settings(env, group, customersDir, { ...options.settings });
  return { service, group, start: () => startAppProcess(service, consumer.portVariable, settings) };
}

/**
 * The compiled services as child processes, as production runs them, so a test can SIGKILL one at
 * the worst moment and start it again in the same group. Each consuming service gets a fresh
 * consumer group placed at the end of the topics it reads: the shared broker holds every earlier
 * test's records, and the service reads only what the test produces next.
 */
export async function startPipeline<S extends PipelineService = PipelineService>(options: PipelineOptions<S>): Promise<Pipeline<S>> {
  const env = options.env ?? testEnvironment();
  const viaDirectory = options.customersVia === 'directory';
  // Read by the services themselves only on the directory path; on the topic path, applied to it now.
  const customersDir = viaDirectory ? (options.customersDir ?? join(repositoryRoot(), 'example-customers', 'configurations')) : undefined;
  if (!viaDirectory && options.customersDir !== undefined) await applyTestCustomers(env, options.customersDir);
  const services: readonly PipelineService[] = options.services ?? ALL_SERVICES;
  const settingsOf = (service: PipelineService): Record<string, string> => ({ ...options.settings?.[service] });

  const start = async (service: PipelineService): Promise<ServiceHandle> => {
    if (service === 'gateway') {
      const boot = () => startGatewayProcess(env, { ...(customersDir === undefined ? {} : { CUSTOMERS_DIR: customersDir }), ...settingsOf(service) });
      return new GatewayHandle(service, boot, await boot());
    }
    const launcher = await consumerGroupLauncher(service, { name: options.name, env, customersDir, settings: settingsOf(service) });
    return new ConsumerHandle(service, launcher.group, launcher.start, await launcher.start());
  };

  const started = await Promise.allSettled(services.map(start));
  const handles = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(handles.map((handle) => handle.stop()));
  };
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    // No half-started pipeline outlives the test that asked for it.
    await stop();
    throw failed.reason;
  }
  return Object.assign(Object.fromEntries(handles.map((handle) => [handle.name, handle])), { stop }) as Pipeline<S>;
}
