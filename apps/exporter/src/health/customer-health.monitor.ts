import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, type Logger } from '@tracking/observability';
import { EXPORTER_CONFIG, type ExporterConfig } from '../config/exporter.config';
import { ExporterMetrics } from '../exporter.metrics';
import { EXPORT_TARGETS } from '../exporter.tokens';
import type { ExportTargets } from '../targets/export-targets';
import { BucketProbe } from './bucket.probe';

/** A customer's export as GET /export/status shows it. */
export interface CustomerExportState {
  objectsWritten: number;
  eventsWritten: number;
  bytesWritten: number;
  lastExportAt?: string;
  lastObjectKey?: string;
  lastError?: { message: string; at: string };
  /** Set while its bucket fails: its records are read again from where it stopped once a probe succeeds. */
  failing?: { since: string; nextProbeAt: number };
  /** Failures (writes, listings, probes) since its last successful write: the backoff grows with them. */
  consecutiveFailures: number;
}

/** Object keys remembered per customer to count a rewrite of the same object once. */
const RECENT_KEYS = 10_000;

/** What was written, as the health of a customer counts it. */
export interface WrittenSummary {
  key: string;
  bytes: number;
  events: number;
}

/**
 * The export health of each customer: what it has written, and whether its buckets fail. A failing
 * customer is probed with a backoff that grows with the failures in a row, so a failure that the
 * probe cannot see (a write refused, an object that cannot be encoded) does not make its partitions
 * spin; the backoff has full jitter over its upper half, so customers failing together do not probe
 * in step. This class owns the customers' states; everyone else asks it.
 */
@Injectable()
export class CustomerHealthMonitor {
  private readonly customers = new Map<string, CustomerExportState>();
  private readonly recentKeys = new Map<string, Set<string>>();

  constructor(
    @Inject(EXPORT_TARGETS) private readonly targets: ExportTargets,
    @Inject(EXPORTER_CONFIG) private readonly config: Pick<ExporterConfig, 'retryBaseMs' | 'retryMaxMs'>,
    private readonly probe: BucketProbe,
    private readonly metrics: ExporterMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    for (const customerId of targets.targets.keys()) this.customers.set(customerId, newCustomerState());
  }

  isFailing(customerId: string): boolean {
    return this.customers.get(customerId)?.failing !== undefined;
  }

  states(): ReadonlyMap<string, Readonly<CustomerExportState>> {
    return this.customers;
  }

  written(customerId: string, object: WrittenSummary): void {
    const customer = this.stateOf(customerId);
    // Records read again (after a failure or a rebalance) are written again under the same
    // deterministic key: the same object, counted once.
    if (!this.rememberKey(customerId, object.key)) {
      customer.objectsWritten += 1;
      customer.eventsWritten += object.events;
      customer.bytesWritten += object.bytes;
    }
    customer.lastExportAt = new Date(Date.now()).toISOString();
    customer.lastObjectKey = object.key;
    customer.consecutiveFailures = 0;
  }

  /**
   * A write or listing of the customer's bucket failed. Returns true when this makes the customer
   * failing (it was not already): the caller then detaches it from its partitions.
   */
  failed(customerId: string, error: Error): boolean {
    const customer = this.stateOf(customerId);
    customer.lastError = { message: `${error.name}: ${error.message}`, at: new Date(Date.now()).toISOString() };
    this.metrics.writeFailures.inc({ customer: customerId });
    if (customer.failing) return false;
    customer.consecutiveFailures += 1;
    customer.failing = { since: new Date(Date.now()).toISOString(), nextProbeAt: Date.now() + this.backoff(customer.consecutiveFailures - 1) };
    this.metrics.customerFailing.set({ customer: customerId }, 1);
    this.logger.warn({ customer: customerId, error: error.message }, 'customer bucket failing; its export waits and resumes from where it stopped');
    return true;
  }

  /** Probes the failing customers whose backoff has passed; returns those whose buckets answer again (no longer failing). */
  async probeDue(): Promise<string[]> {
    const recovered: string[] = [];
    for (const [customerId, customer] of this.customers) {
      if (!customer.failing || customer.failing.nextProbeAt > Date.now()) continue;
      const target = this.targets.targets.get(customerId);
      if (!target) continue;
      try {
        await this.probe.check(target);
      } catch (error) {
        customer.consecutiveFailures += 1;
        customer.failing.nextProbeAt = Date.now() + this.backoff(customer.consecutiveFailures - 1);
        customer.lastError = { message: `probe: ${(error as Error).message}`, at: new Date(Date.now()).toISOString() };
        continue;
      }
      customer.failing = undefined;
      this.metrics.customerFailing.set({ customer: customerId }, 0);
      recovered.push(customerId);
    }
    return recovered;
  }

  private backoff(failures: number): number {
    const ceiling = Math.min(this.config.retryMaxMs, this.config.retryBaseMs * 2 ** failures);
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  /** True when the key was written before (among the customer's last RECENT_KEYS objects). */
  private rememberKey(customerId: string, key: string): boolean {
    let keys = this.recentKeys.get(customerId);
    if (!keys) this.recentKeys.set(customerId, (keys = new Set()));
    if (keys.has(key)) return true;
    keys.add(key);
    if (keys.size > RECENT_KEYS) keys.delete(keys.values().next().value as string);
    return false;
  }

  /** A customer given an export target while running (the shared configuration changed): in status from now on. */
  track(customerId: string): void {
    this.stateOf(customerId);
  }

  /** A customer no longer exported (its target removed or refused): out of status. */
  forget(customerId: string): void {
    if (this.customers.get(customerId)?.failing) this.metrics.customerFailing.set({ customer: customerId }, 0);
    this.customers.delete(customerId);
    this.recentKeys.delete(customerId);
  }

  private stateOf(customerId: string): CustomerExportState {
    let customer = this.customers.get(customerId);
    if (!customer) this.customers.set(customerId, (customer = newCustomerState()));
    return customer;
  }
}

function newCustomerState(): CustomerExportState {
  return { objectsWritten: 0, eventsWritten: 0, bytesWritten: 0, consecutiveFailures: 0 };
}
