import { Kafka, logLevel } from 'kafkajs';
import { ConfluentSchemaRegistryAdapter, prepareKafkajs } from '@tracking/kafka';
import { Output } from './output';

/** Global options every command shares. */
export interface GlobalOptions {
  json?: boolean;
  brokers: string;
  registry: string;
}

/** What commands get: connections made on first use, and the output. */
export class CliContext {
  readonly output: Output;
  private kafkaClient?: Kafka;
  private registryClient?: ConfluentSchemaRegistryAdapter;

  /** The environment the command runs in (main.ts passes process.env): settings such as CUSTOMERS_DIR, and what child services inherit. */
  constructor(
    readonly options: GlobalOptions,
    readonly env: NodeJS.ProcessEnv,
  ) {
    this.output = new Output(Boolean(options.json));
  }

  get brokers(): string[] {
    return this.options.brokers.split(',').map((broker) => broker.trim()).filter(Boolean);
  }

  kafka(): Kafka {
    // kafkajs logs its own retries as text; the commands report failures themselves. tail and
    // replay read topics a producer may have compressed with any codec.
    prepareKafkajs();
    this.kafkaClient ??= new Kafka({ clientId: 'tracking-cli', brokers: this.brokers, logLevel: logLevel.NOTHING, retry: { retries: 3 } });
    return this.kafkaClient;
  }

  registry(): ConfluentSchemaRegistryAdapter {
    this.registryClient ??= new ConfluentSchemaRegistryAdapter({ url: this.options.registry });
    return this.registryClient;
  }
}
