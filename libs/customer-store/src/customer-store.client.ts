import type { Kafka } from 'kafkajs';
import pino, { type Logger } from 'pino';
import type { CustomerDocuments, CustomerTexts, SchemaRegistryPort } from '@tracking/contracts';
import { CustomerDocumentsPublisher } from './customer-documents.publisher';
import { customerProblems, planCustomerApply, type ApplyAuthor, type ApplyPlan } from './customer-apply.plan';
import { TopicCustomerSource } from './topic-customer-source';

/** Customers refused before anything was published: each problem names file and field. */
export class CustomersInvalidError extends Error {
  override readonly name = 'CustomersInvalidError';
  constructor(readonly problems: ReadonlyMap<string, readonly string[]>) {
    super(
      `nothing applied: ${problems.size} customer(s) invalid\n${[...problems].flatMap(([, list]) => list.map((problem) => `  - ${problem}`)).join('\n')}`,
    );
  }
}

/**
 * One-shot access to the shared customer configuration, for tools (the CLI, provisioning, tests):
 * read it whole, apply a set of customers, remove some.
 */
export class CustomerStoreClient {
  constructor(
    private readonly kafka: Kafka,
    private readonly registry: SchemaRegistryPort,
    private readonly logger: Logger = pino({ level: 'silent' }),
  ) {}

  /** Every customer's documents now in force, the topic read to its end. */
  async read(): Promise<ReadonlyMap<string, CustomerDocuments>> {
    const source = new TopicCustomerSource(this.kafka, this.registry, this.logger, { readerName: 'tracking-cli', maxWaitMs: 100 });
    try {
      await source.start();
      return source.documents();
    } finally {
      await source.stop();
    }
  }

  /**
   * Checks every customer first (CustomersInvalidError, nothing published, when any is invalid),
   * then publishes the customers whose documents differ from those in force. Never removes a
   * customer that `wanted` lacks: the topic is shared by everything applied to it.
   */
  async apply(wanted: ReadonlyMap<string, CustomerTexts>, author: ApplyAuthor, options: { dryRun?: boolean } = {}): Promise<ApplyPlan> {
    const problems = new Map<string, string[]>();
    for (const [customerId, texts] of wanted) {
      const found = customerProblems(customerId, texts);
      if (found.length > 0) problems.set(customerId, found);
    }
    if (problems.size > 0) throw new CustomersInvalidError(problems);
    const plan = planCustomerApply(await this.read(), wanted, author);
    if (!options.dryRun) await this.publish(plan.records);
    return plan;
  }

  async publish(records: readonly CustomerDocuments[]): Promise<void> {
    const publisher = new CustomerDocumentsPublisher(this.kafka, this.registry);
    try {
      await publisher.publish(records);
    } finally {
      await publisher.disconnect();
    }
  }

  async remove(customerIds: readonly string[], author: ApplyAuthor): Promise<void> {
    const publisher = new CustomerDocumentsPublisher(this.kafka, this.registry);
    try {
      await publisher.remove(customerIds, author);
    } finally {
      await publisher.disconnect();
    }
  }
}
