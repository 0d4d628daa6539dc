import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { parse, stringify } from 'yaml';
import { FLAG_AUTOMATION_ENABLED, loadCustomerDirectory } from '@tracking/customers';
import { LOGGER, type Logger } from '@tracking/observability';
import { AUTOMATION_TRIGGER_CONFIG, type AutomationTriggerConfig } from '../config/automation-trigger.config';
import { AutomationsFileError, parseAutomationsFile } from './automations-file';
import type { Webhook, Workflow } from './workflow';
import { WorkflowIndex } from './workflow-index';

/**
 * Every customer's workflows, read from `<customers dir>/<id>/automations.yaml` at start and again
 * every few seconds. A customer whose file is broken keeps its last good workflows (and the error
 * is logged with each bad field), so one typo never silences a running automation.
 */
@Injectable()
export class WorkflowCatalog implements OnModuleInit, OnApplicationShutdown {
  private index = new WorkflowIndex([]);
  private byCustomer = new Map<string, { workflows: Workflow[]; document: unknown }>();
  private customers = new Set<string>();
  private disabled = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(AUTOMATION_TRIGGER_CONFIG) private readonly config: AutomationTriggerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.reload();
    this.timer = setInterval(() => this.reload(), this.config.reloadMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  reload(): void {
    const { customers, errors } = loadCustomerDirectory(this.config.customersDir);
    for (const error of errors) this.logger.warn({ customerId: error.customerId, problems: error.problems }, 'customer configuration ignored');
    const next = new Map<string, { workflows: Workflow[]; document: unknown }>();
    const disabled = new Set<string>();
    for (const customer of customers.values()) {
      if (customer.flags[FLAG_AUTOMATION_ENABLED] === false) disabled.add(customer.customerId);
      const file = this.fileOf(customer.customerId);
      if (!existsSync(file)) continue;
      try {
        const document: unknown = parse(readFileSync(file, 'utf8'));
        next.set(customer.customerId, { workflows: parseAutomationsFile(customer.customerId, document, this.config.env), document });
      } catch (error) {
        const problems = error instanceof AutomationsFileError ? error.problems : [(error as Error).message];
        this.logger.error({ customerId: customer.customerId, problems }, 'automations.yaml refused; keeping the last good workflows');
        const previous = this.byCustomer.get(customer.customerId);
        if (previous) next.set(customer.customerId, previous);
      }
    }
    this.byCustomer = next;
    this.customers = new Set(customers.keys());
    this.disabled = disabled;
    this.index = new WorkflowIndex([...next.values()].flatMap((entry) => entry.workflows));
  }

  /**
   * Replaces a customer's automations.yaml after checking it (AutomationsFileError names each bad
   * field, and nothing is written), then reloads. Written to a temporary file and renamed, so a
   * reload never reads half a file.
   */
  replace(customerId: string, document: unknown): readonly Workflow[] {
    const workflows = parseAutomationsFile(customerId, document, this.config.env);
    const file = this.fileOf(customerId);
    writeFileSync(`${file}.tmp`, stringify(document));
    renameSync(`${file}.tmp`, file);
    this.reload();
    return workflows;
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

  /** The customer's automations as declared (secrets appear only as the names of their variables). */
  document(customerId: string): unknown {
    return this.byCustomer.get(customerId)?.document ?? { workflows: [] };
  }

  webhook(customerId: string, workflowId: string): Webhook | undefined {
    return this.byCustomer.get(customerId)?.workflows.find((workflow) => workflow.workflowId === workflowId)?.webhook;
  }

  private fileOf(customerId: string): string {
    return join(this.config.customersDir, customerId, 'automations.yaml');
  }
}
