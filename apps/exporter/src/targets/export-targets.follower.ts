import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { parse } from 'yaml';
import { CUSTOMER_SOURCE, type CustomerChange, type CustomerSource } from '@tracking/customer-store';
import { CustomerConfigError, parseCustomerTexts } from '@tracking/customers';
import { LOGGER, type Logger } from '@tracking/observability';
import { EXPORTER_CONFIG, type ExporterConfig } from '../config/exporter.config';
import { ExporterMetrics } from '../exporter.metrics';
import { EXPORT_TARGETS } from '../exporter.tokens';
import { CustomerHealthMonitor } from '../health/customer-health.monitor';
import { ExportConfigError, parseExportTarget } from './export-target';
import type { ExportTargets } from './export-targets';

/**
 * Keeps the exporter's targets (EXPORT_TARGETS, whose maps every part of the exporter reads) equal
 * to the `s3_export` blocks of the shared customer configuration, as each change arrives: a customer
 * added, its format or buckets changed, or removed, without a restart. A block that cannot be used
 * marks the customer misconfigured (status, metrics) and it is not exported until fixed.
 */
@Injectable()
export class ExportTargetsFollower implements OnModuleInit {
  constructor(
    @Inject(EXPORT_TARGETS) private readonly targets: ExportTargets,
    @Inject(CUSTOMER_SOURCE) private readonly source: CustomerSource,
    @Inject(EXPORTER_CONFIG) private readonly config: ExporterConfig,
    private readonly metrics: ExporterMetrics,
    private readonly health: CustomerHealthMonitor,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.source.onChange((changes) => this.apply(changes));
  }

  private apply(changes: readonly CustomerChange[]): void {
    for (const { customerId, documents } of changes) {
      const wasBroken = this.targets.broken.delete(customerId);
      this.targets.unexported.delete(customerId);
      if (!documents) {
        this.targets.targets.delete(customerId);
        this.health.forget(customerId);
        if (wasBroken) this.metrics.customerMisconfigured.set({ customer: customerId }, 0);
        continue;
      }
      try {
        // The whole configuration, for the sites and key sites each record's site is derived from (siteIdFor).
        const customer = parseCustomerTexts(customerId, documents);
        const target = parseExportTarget(customerId, parse(documents.config_yaml), this.config.env, { endpoint: this.config.s3Endpoint, realTimeMs: this.config.realTimeMs }, customer);
        if (target) {
          this.targets.targets.set(customerId, target);
          this.health.track(customerId);
        } else {
          this.targets.targets.delete(customerId);
          this.targets.unexported.add(customerId);
          this.health.forget(customerId);
        }
        if (wasBroken) this.metrics.customerMisconfigured.set({ customer: customerId }, 0);
      } catch (error) {
        const refused =
          error instanceof ExportConfigError
            ? error
            : error instanceof CustomerConfigError
              ? new ExportConfigError(customerId, error.problems)
              : new ExportConfigError(customerId, [`${customerId}/config.yaml cannot be read: ${(error as Error).message}`]);
        this.targets.targets.delete(customerId);
        this.health.forget(customerId);
        this.targets.broken.set(customerId, refused);
        this.metrics.customerMisconfigured.set({ customer: customerId }, 1);
        this.logger.error({ customer: customerId, problems: refused.problems, appliedBy: documents.applied_by }, 'export configuration refused; this customer is not exported');
      }
    }
    this.logger.info({ changed: changes.map((change) => change.customerId), customers: [...this.targets.targets.keys()], refused: [...this.targets.broken.keys()] }, 'export targets applied');
  }
}
