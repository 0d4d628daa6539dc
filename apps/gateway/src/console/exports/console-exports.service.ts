import { Injectable } from '@nestjs/common';
import { ApiError } from '@tracking/http';
import { ServiceAdminClient } from '../../services/service-admin.client';

/** Hours of activity the Exports page shows by default and at most (the exporter's own limit). */
export const DEFAULT_ACTIVITY_HOURS = 24;
export const MAX_ACTIVITY_HOURS = 168;

/** What the Exports page shows of one customer: its configuration, state and activity, or that it has none. */
export type ConsoleExportStatus =
  | { customer_id: string; configured: false }
  | { customer_id: string; configured: true; configuration: unknown; status: unknown; activity: unknown };

/**
 * The tenant's side of the exporter's admin API (issue 21): the customer id is always the one the
 * caller authenticated as, put in the exporter's query here, never taken from the request. A
 * customer without `s3_export` is an answer (`configured: false`), not an error.
 */
@Injectable()
export class ConsoleExportsService {
  constructor(private readonly services: ServiceAdminClient) {}

  async status(customerId: string, hours: number): Promise<ConsoleExportStatus> {
    const query = { customer_id: customerId };
    const config = await this.services.call<{ customers?: unknown[] }>('exporter', '/api/v1/export/config', { query });
    // The exporter answers 404 for a customer it has no export configuration of.
    if (config.status === 404) return { customer_id: customerId, configured: false };
    if (config.status !== 200) throw this.services.refusal('exporter', config);
    const [status, activity] = await Promise.all([
      this.services.expect<{ customers?: unknown[]; consumer_lag?: unknown; lag?: unknown }>('exporter', '/api/v1/export/status', { query }),
      // A misconfigured customer has no target to list: its activity is absent, its status says why.
      this.services.call('exporter', '/api/v1/export/activity', { query: { ...query, hours } }),
    ]);
    return {
      customer_id: customerId,
      configured: true,
      configuration: config.body?.customers?.[0] ?? null,
      // The customer's own entry only: the group's lag and instances are service-wide, not the tenant's.
      status: status.customers?.[0] ?? null,
      activity: activity.status === 200 ? omitSuccess(activity.body) : null,
    };
  }

  async run(customerId: string): Promise<object> {
    const answer = await this.services.call<Record<string, unknown>>('exporter', '/api/v1/export/run', { method: 'POST', query: { customer_id: customerId }, timeoutMs: 60_000 });
    if (answer.status === 404) throw new ApiError(404, 'NOT_FOUND', `Customer ${customerId} has no s3_export configuration: nothing to run`);
    // Never asked again: a second run would flush a second time.
    if (answer.status !== 200) throw this.services.refusal('exporter', answer);
    const body = answer.body ?? {};
    // Counts only: the instances' internal addresses are the platform's, not the tenant's.
    const instances = Array.isArray(body['instances']) ? (body['instances'] as Array<{ error?: unknown }>) : [];
    return {
      customer_id: customerId,
      objects: body['objects'] ?? 0,
      events: body['events'] ?? 0,
      failed: body['failed'] ?? 0,
      instances_unreached: instances.filter((instance) => typeof instance.error === 'string').length,
    };
  }
}

function omitSuccess(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const { success: _success, ...rest } = body as Record<string, unknown>;
  return rest;
}
