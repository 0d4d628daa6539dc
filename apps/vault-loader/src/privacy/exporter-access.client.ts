import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, type Logger } from '@tracking/observability';
import { VAULT_LOADER_CONFIG, type VaultLoaderConfig } from '../config/vault-loader.config';

/** The exporter's answer to POST /api/v1/privacy/access: the subject's exported records with the object each came from. */
export interface ExportedHoldings {
  exported: boolean;
  bucket: string | null;
  objects_scanned: number;
  records: Array<{ bucket: string; key: string; record: Record<string, unknown> }>;
}

export type ExporterAccessOutcome = { ok: true; holdings: ExportedHoldings } | { ok: false; reason: string };

/** Reading every object of a large customer takes a while; past this the answer says the part is missing. */
const TIMEOUT_MS = 60_000;

/**
 * Asks the exporter (EXPORTER_URL, with the operators' token) for a subject's exported records.
 * Never throws: an exporter that is not configured, away, slow or refusing is an outcome with its
 * reason, so the access answer can say which part is missing instead of pretending completeness.
 */
@Injectable()
export class ExporterAccessClient {
  constructor(
    @Inject(VAULT_LOADER_CONFIG) private readonly config: Pick<VaultLoaderConfig, 'exporterAdmin'>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async exported(customerId: string, visitorIds: readonly string[], userIds: readonly string[]): Promise<ExporterAccessOutcome> {
    const admin = this.config.exporterAdmin;
    if (!admin) return { ok: false, reason: 'the vault loader is not configured to reach the exporter (EXPORTER_URL and TRACKING_ADMIN_TOKEN)' };
    try {
      const response = await fetch(`${admin.url}/api/v1/privacy/access`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ customer_id: customerId, visitor_ids: visitorIds, user_ids: userIds }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const body = (await response.json().catch(() => ({}))) as Partial<ExportedHoldings> & { error?: string };
      if (!response.ok) return { ok: false, reason: `the exporter answered ${response.status}${body.error ? `: ${body.error}` : ''}` };
      if (!Array.isArray(body.records)) return { ok: false, reason: 'the exporter answered without records' };
      return { ok: true, holdings: { exported: body.exported ?? true, bucket: body.bucket ?? null, objects_scanned: body.objects_scanned ?? 0, records: body.records } };
    } catch (error) {
      this.logger.warn({ err: error }, 'the exporter could not be asked for a subject access');
      return { ok: false, reason: `the exporter did not answer (${error instanceof Error ? error.message : String(error)})` };
    }
  }
}
