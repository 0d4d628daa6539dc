import { Kafka, logLevel } from 'kafkajs';
import { ConfigError, EnvReader, readKafkaSettings, readRegistrySettings, type KafkaSettings, type RegistrySettings } from '@tracking/config';
import { ConfluentSchemaRegistryAdapter, kafkaConnection, prepareKafkajs } from '@tracking/kafka';
import { CliError } from './cli-error';
import { RegistryRestClient } from './inspect/registry-rest.client';
import { Output } from './output';

/** Global options every command shares. --brokers and --registry override KAFKA_BROKERS and SCHEMA_REGISTRY_URL. */
export interface GlobalOptions {
  json?: boolean;
  brokers?: string;
  registry?: string;
}

interface ConnectionSettings {
  kafka: KafkaSettings;
  registry: RegistrySettings;
}

/**
 * The CLI reaches Kafka and the registry with the services' settings (KAFKA_SSL*, KAFKA_SASL_*,
 * SCHEMA_REGISTRY_*), read from its environment, so it works against any cluster they run on.
 */
export function readCliConnection(options: GlobalOptions, env: NodeJS.ProcessEnv): ConnectionSettings {
  const overridden: NodeJS.ProcessEnv = { ...env };
  if (options.brokers !== undefined) overridden['KAFKA_BROKERS'] = options.brokers;
  if (options.registry !== undefined) overridden['SCHEMA_REGISTRY_URL'] = options.registry;
  const reader = new EnvReader('tracking', overridden);
  const settings = { kafka: readKafkaSettings(reader, 'tracking-cli'), registry: readRegistrySettings(reader) };
  try {
    reader.done();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new CliError(error.message, 'Fix the settings named above (see the README, "Production deployment").', 2);
  }
  return settings;
}

/** What commands get: connections made on first use, and the output. */
export class CliContext {
  readonly output: Output;
  private kafkaClient?: Kafka;
  private registryClient?: ConfluentSchemaRegistryAdapter;
  private connection?: ConnectionSettings;

  /** The environment the command runs in (main.ts passes process.env): settings such as CUSTOMERS_DIR, and what child services inherit. */
  constructor(
    readonly options: GlobalOptions,
    readonly env: NodeJS.ProcessEnv,
  ) {
    this.output = new Output(Boolean(options.json));
  }

  /** Read on first use, so commands that need neither Kafka nor the registry run without their settings. */
  get settings(): ConnectionSettings {
    this.connection ??= readCliConnection(this.options, this.env);
    return this.connection;
  }

  get brokers(): string[] {
    return this.settings.kafka.brokers;
  }

  /** The registry's URL as it may be printed (credentials written into it are left out). */
  get registryUrl(): string {
    return this.registryRest().url;
  }

  kafka(): Kafka {
    // kafkajs logs its own retries as text; the commands report failures themselves. tail and
    // replay read topics a producer may have compressed with any codec.
    prepareKafkajs();
    this.kafkaClient ??= new Kafka({ ...kafkaConnection(this.settings.kafka), logLevel: logLevel.NOTHING, retry: { retries: 3 } });
    return this.kafkaClient;
  }

  registry(): ConfluentSchemaRegistryAdapter {
    this.registryClient ??= new ConfluentSchemaRegistryAdapter(this.settings.registry);
    return this.registryClient;
  }

  registryRest(): RegistryRestClient {
    return new RegistryRestClient(this.settings.registry);
  }
}
