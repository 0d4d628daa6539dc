import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import type { ExportMeasurement } from './storage-usage';

const TIMEOUT_MS = 30_000;

/**
 * Asks the exporter (GET /api/v1/export/usage) what a customer's export holds: only the exporter
 * has the customers' bucket credentials, and it lists the buckets rather than trusting counters.
 */
@Injectable()
export class ExportUsageClient {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'exporterAdmin'>) {}

  async measure(customerId: string): Promise<ExportMeasurement> {
    const admin = this.config.exporterAdmin;
    if (!admin) return { status: 'unavailable', reason: 'the gateway is not configured to reach the exporter (EXPORTER_URL and TRACKING_ADMIN_TOKEN)' };
    try {
      const response = await fetch(`${admin.url}/api/v1/export/usage?customer_id=${encodeURIComponent(customerId)}`, {
        headers: { authorization: `Bearer ${admin.token}` },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const body = (await response.json().catch(() => ({}))) as { total_bytes?: unknown; error?: string };
      if (response.status === 404) return { status: 'no_export' };
      if (!response.ok || typeof body.total_bytes !== 'number') return { status: 'unavailable', reason: `the exporter answered ${response.status}${body.error ? `: ${body.error}` : ''}` };
      return { status: 'measured', bytes: body.total_bytes };
    } catch (error) {
      return { status: 'unavailable', reason: `the exporter did not answer: ${(error as Error).message}` };
    }
  }
}
