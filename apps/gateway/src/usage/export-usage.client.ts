import { Injectable } from '@nestjs/common';
import { ServiceAdminClient } from '../services/service-admin.client';
import type { ExportMeasurement } from './storage-usage';

/**
 * Asks the exporter (GET /api/v1/export/usage) what a customer's export holds: only the exporter
 * has the customers' bucket credentials, and it lists the buckets rather than trusting counters.
 */
@Injectable()
export class ExportUsageClient {
  constructor(private readonly services: ServiceAdminClient) {}

  async measure(customerId: string): Promise<ExportMeasurement> {
    try {
      const answer = await this.services.call<{ total_bytes?: unknown }>('exporter', '/api/v1/export/usage', { query: { customer_id: customerId } });
      if (answer.status === 404) return { status: 'no_export' };
      if (answer.status !== 200 || typeof answer.body?.total_bytes !== 'number') return { status: 'unavailable', reason: this.services.refusal('exporter', answer).message };
      return { status: 'measured', bytes: answer.body.total_bytes };
    } catch (error) {
      return { status: 'unavailable', reason: (error as Error).message };
    }
  }
}
