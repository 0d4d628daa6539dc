import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AUDIT_RECORD_EXTENSIONS_UNSET, STORAGE_QUOTA_AUDIT_ENDPOINT, type AuditRecord } from '@tracking/contracts';
import type { CustomerConfig } from '@tracking/customers';
import { LOGGER, type Logger } from '@tracking/observability';
import { AuditTrail } from '../audit/audit-trail';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { CustomerRegistry } from '../customers/customer.registry';
import { ExportUsageClient } from './export-usage.client';
import { BYTES_PER_GB, quotaLevel, type QuotaLevel } from './storage-usage';
import { StorageUsageRepository } from './storage-usage.repository';

const WARNINGS: Record<Exclude<QuotaLevel, 0>, { outcome: AuditRecord['outcome']; errorCode: string }> = {
  80: { outcome: 'quota_warning', errorCode: 'STORAGE_QUOTA_80' },
  100: { outcome: 'quota_exceeded', errorCode: 'STORAGE_QUOTA_100' },
};

/**
 * Measures every customer's storage (vault and export) every STORAGE_USAGE_INTERVAL_SECONDS, keeps
 * the figures where every gateway instance reads them, and writes a warning on tracking.audit.v1
 * when a customer crosses 80 % and again at 100 % of technical.storage_quota_gb, once per crossing.
 * Nothing is refused at the quota: refusing events would lose data the customer sent in good faith.
 */
@Injectable()
export class StorageQuotaMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'storageUsageIntervalMs'>,
    private readonly customers: CustomerRegistry,
    private readonly usage: StorageUsageRepository,
    private readonly exports: ExportUsageClient,
    private readonly audit: AuditTrail,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.storageUsageIntervalMs <= 0) return;
    this.timer = setInterval(() => void this.measureAll(), this.config.storageUsageIntervalMs);
    this.timer.unref();
    void this.measureAll();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One round over every customer; a round still running is joined, not doubled. */
  measureAll(): Promise<void> {
    this.running ??= this.round().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async round(): Promise<void> {
    for (const customer of this.customers.all()) {
      try {
        await this.measure(customer);
      } catch (error) {
        // One customer's failure (database away, say) must not stop the others' measurement.
        this.logger.warn({ err: error, customerId: customer.customerId }, 'storage usage not measured');
      }
    }
  }

  private async measure(customer: CustomerConfig): Promise<void> {
    const [vaultBytes, exported] = await Promise.all([this.usage.vaultBytes(customer.tenantHk), this.exports.measure(customer.customerId)]);
    const exportBytes = exported.status === 'measured' ? exported.bytes : exported.status === 'no_export' ? 0 : null;
    if (exported.status === 'unavailable') this.logger.warn({ customerId: customer.customerId, reason: exported.reason }, 'export storage not measured');
    await this.usage.save({ customerId: customer.customerId, vaultBytes, exportBytes, exportStatus: exported.status, measuredAt: new Date() });

    const quotaBytes = customer.technical.storageQuotaGb * BYTES_PER_GB;
    const usedBytes = vaultBytes + (exportBytes ?? 0);
    const level = quotaLevel(usedBytes, quotaBytes);
    await this.usage.lowerWarnedLevel(customer.customerId, level);
    if (level === 0 || !(await this.usage.raiseWarnedLevel(customer.customerId, level))) return;

    const written = await this.audit.publish(this.warning(customer, level));
    this.logger.warn({ customerId: customer.customerId, level, usedBytes, quotaBytes, auditLogged: written }, 'storage quota threshold crossed');
    // Not acknowledged: the next round warns again rather than never.
    if (!written) await this.usage.lowerWarnedLevel(customer.customerId, 0);
  }

  private warning(customer: CustomerConfig, level: Exclude<QuotaLevel, 0>): AuditRecord {
    const { outcome, errorCode } = WARNINGS[level];
    return {
      audit_id: randomUUID(),
      occurred_at: Date.now(),
      customer_id: customer.customerId,
      endpoint: STORAGE_QUOTA_AUDIT_ENDPOINT,
      // 200: nothing was refused; outcome and error_code carry the warning.
      status_code: 200,
      outcome,
      error_code: errorCode,
      latency_ms: 0,
      ip_block: null,
      security_score: null,
      suspicious: false,
      key_id: null,
      // The audit record has no byte fields; the event counters stay zero and the figures are in the status API.
      events_received: 0,
      events_accepted: 0,
      events_rejected: 0,
      events_dropped: 0,
      abuse_kind: null,
      abuse_customer_id: null,
      ...AUDIT_RECORD_EXTENSIONS_UNSET,
      service: 'gateway',
    };
  }
}
