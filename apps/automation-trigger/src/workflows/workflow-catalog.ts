import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { parse, stringify } from 'yaml';
import { changedCustomerFiles, customerDigest, type CustomerDocuments } from '@tracking/contracts';
import { AutomationsFileError, CustomerConfigError, type AutomationsFileOptions, FLAG_AUTOMATION_ENABLED, parseAutomationsFile, parseCustomerTexts, type Webhook, type Workflow } from '@tracking/customers';
import { CUSTOMER_SOURCE, CustomerDocumentsPublisher, type CustomerChange, type CustomerSource } from '@tracking/customer-store';
import { LOGGER, type Logger } from '@tracking/observability';
import { AUTOMATION_TRIGGER_CONFIG, type AutomationTriggerConfig } from '../config/automation-trigger.config';
import { WorkflowIndex } from './workflow-index';

/** How long a replacement waits to see its own record come back from the topic before answering anyway. */
const READ_BACK_TIMEOUT_MS = 10_000;

/** Workflows cannot be written where this instance reads them (CUSTOMERS_DIR is its own directory): edit the files. */
export class WorkflowsReadOnlyError extends Error {
  override readonly name = 'WorkflowsReadOnlyError';
}

/** Who replaces a customer's workflows, and through what: recorded with the change. */
export interface WorkflowAuthor {
  by: string;
  via: string;
}

/**
 * Every customer's workflows, from the shared customer configuration (the topic
 * tracking.customers.v1, or CUSTOMERS_DIR in development), applied as each change arrives. A
 * customer whose automations.yaml is broken keeps its last good workflows (and the error is logged
 * with each bad field), so one typo never silences a running automation.
 */
@Injectable()
export class WorkflowCatalog implements OnModuleInit, OnApplicationShutdown {
  private index = new WorkflowIndex([]);
  private byCustomer = new Map<string, { workflows: Workflow[]; document: unknown }>();
  private customers = new Set<string>();
  private disabled = new Set<string>();
  /** Replacements waiting to see their record applied here, by customer. */
  private readonly readBack = new Map<string, Array<{ digest: string; resolve: () => void }>>();

  constructor(
    @Inject(AUTOMATION_TRIGGER_CONFIG) private readonly config: AutomationTriggerConfig,
    @Inject(CUSTOMER_SOURCE) private readonly source: CustomerSource,
    private readonly publisher: CustomerDocumentsPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.source.onChange((changes) => this.apply(changes));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.disconnect().catch(() => undefined);
  }

  private apply(changes: readonly CustomerChange[]): void {
    const byCustomer = new Map(this.byCustomer);
    for (const { customerId, documents } of changes) {
      if (!documents) {
        byCustomer.delete(customerId);
        this.customers.delete(customerId);
        this.disabled.delete(customerId);
        continue;
      }
      this.customers.add(customerId);
      try {
        const customer = parseCustomerTexts(customerId, documents);
        if (customer.flags[FLAG_AUTOMATION_ENABLED] === false) this.disabled.add(customerId);
        else this.disabled.delete(customerId);
      } catch (error) {
        const problems = error instanceof CustomerConfigError ? error.problems : [(error as Error).message];
        this.logger.warn({ customerId, problems }, 'customer configuration refused; keeping its last good flags');
      }
      if (documents.automations_yaml === null) {
        byCustomer.delete(customerId);
        continue;
      }
      try {
        const document: unknown = parse(documents.automations_yaml);
        byCustomer.set(customerId, { workflows: parseAutomationsFile(customerId, document, this.config.env), document });
      } catch (error) {
        const problems = error instanceof AutomationsFileError ? error.problems : [`${customerId}/automations.yaml: ${(error as Error).message}`];
        this.logger.error({ customerId, problems, appliedBy: documents.applied_by }, 'automations.yaml refused; keeping the last good workflows');
      }
    }
    this.byCustomer = byCustomer;
    this.index = new WorkflowIndex([...byCustomer.values()].flatMap((entry) => entry.workflows));
    for (const { customerId, documents } of changes) {
      const waiting = this.readBack.get(customerId);
      if (!waiting || !documents) continue;
      for (const waiter of waiting.filter((entry) => entry.digest === documents.digest)) waiter.resolve();
      this.readBack.set(customerId, waiting.filter((entry) => entry.digest !== documents.digest));
    }
  }

  /**
   * Replaces a customer's workflows after checking them (AutomationsFileError names each bad field,
   * and nothing is written). The change goes to the shared configuration, never to this instance's
   * disk, so every instance applies it; the record says who made it, when and through what. Resolves
   * once this instance applies it too (or after READ_BACK_TIMEOUT_MS, the change being durable).
   */
  async replace(customerId: string, document: unknown, author: WorkflowAuthor): Promise<readonly Workflow[]> {
    const workflows = this.check(customerId, document);
    if (!this.source.shared) {
      throw new WorkflowsReadOnlyError(`this instance reads customers from ${this.source.description}: edit ${customerId}/automations.yaml there, or run without CUSTOMERS_DIR to use the shared configuration`);
    }
    // The record carries the customer's other files as they are: read up to every change written so
    // far first, so a config.yaml applied a moment ago is not written back over with its old text.
    await this.source.refresh(5000);
    const current = this.source.documents().get(customerId);
    if (!current) throw new AutomationsFileError(customerId, [`${customerId}: is not configured`]);
    const texts = { config_yaml: current.config_yaml, features_yaml: current.features_yaml, automations_yaml: stringify(document) };
    const digest = customerDigest(texts);
    if (digest === current.digest) return workflows;
    const record: CustomerDocuments = {
      customer_id: customerId,
      ...texts,
      digest,
      applied_by: author.by,
      applied_at: Date.now(),
      applied_via: author.via,
      changed_files: changedCustomerFiles(current, texts),
    };
    const applied = this.appliedHere(customerId, digest);
    await this.publisher.publish([record]);
    this.logger.info({ customerId, appliedBy: author.by, appliedVia: author.via, workflows: workflows.map((workflow) => workflow.workflowId) }, 'workflows replaced');
    await applied;
    return workflows;
  }

  /**
   * Checks a workflows document exactly as replace() does, writing nothing: its enabled workflows,
   * or AutomationsFileError naming each bad field. `resolveSecrets: false` leaves out whether the
   * named secrets are set here (a trial signs nothing).
   */
  check(customerId: string, document: unknown, options: AutomationsFileOptions = {}): readonly Workflow[] {
    return parseAutomationsFile(customerId, document, this.config.env, options);
  }

  /** The customer's workflows in force (enabled ones; those with `enabled: false` are in document()). */
  workflowsOf(customerId: string): readonly Workflow[] {
    return this.byCustomer.get(customerId)?.workflows ?? [];
  }

  private appliedHere(customerId: string, digest: string): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.readBack.set(customerId, (this.readBack.get(customerId) ?? []).filter((entry) => entry !== waiter));
        resolve();
      }, READ_BACK_TIMEOUT_MS);
      const waiting = this.readBack.get(customerId) ?? [];
      const waiter = {
        digest,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      waiting.push(waiter);
      this.readBack.set(customerId, waiting);
    });
  }

  /** Whether seed 002's `tracking.automation.enabled` lets this customer's triggers fire. */
  enabled(customerId: string): boolean {
    return this.config.automationEnabled && !this.disabled.has(customerId);
  }

  get workflows(): WorkflowIndex {
    return this.index;
  }

  /** Whether any of the customer's events can fire a trigger: lets the consumer skip decoding the others. */
  wants(customerId: string): boolean {
    return this.enabled(customerId) && (this.byCustomer.get(customerId)?.workflows.length ?? 0) > 0;
  }

  knows(customerId: string): boolean {
    return this.customers.has(customerId);
  }

  /** Brings the catalog up to every change written so far (a customer applied a moment ago). */
  async refresh(): Promise<void> {
    await this.source.refresh(5000);
  }

  /** The customer's automations as declared (secrets appear only as the names of their variables). */
  document(customerId: string): unknown {
    return this.byCustomer.get(customerId)?.document ?? { workflows: [] };
  }

  webhook(customerId: string, workflowId: string): Webhook | undefined {
    return this.byCustomer.get(customerId)?.workflows.find((workflow) => workflow.workflowId === workflowId)?.webhook;
  }
}
