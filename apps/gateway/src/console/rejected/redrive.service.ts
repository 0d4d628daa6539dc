import { Inject, Injectable } from '@nestjs/common';
import { redriveEventId } from '@tracking/contracts';
import type { CustomerConfig } from '@tracking/customers';
import { ApiError } from '@tracking/http';
import type { FieldError } from '@tracking/ingestion';
import { LOGGER, type Logger } from '@tracking/observability';
import type { GatewayRequest, IngestSummary } from '../../http/gateway-request';
import { TenantReadRepository } from '../../reporting/tenant-read.repository';
import { IngestionService } from '../../track/ingestion.service';
import { siteRefusalError } from '../../track/site-refusal';
import { RedriveRepository, type RedriveMark } from './redrive.repository';
import { LOADER_ID_PREFIX, findRejections, type RejectionRow } from './rejected.queries';

export interface RedriveItem {
  id: string;
  event: unknown;
}

export type RedriveResult =
  | { index: number; id: string; status: 200; outcome: 'accepted' | 'dropped'; event_id: string; redriven: RedriveMark }
  | { index: number; id: string; status: number; outcome: 'refused'; error: { code: string; message: string; details?: FieldError[] } };

/**
 * The event id a redrive goes out under: the refused payload's own id when it had a well-formed one
 * that was not itself the refused field, else one derived from the rejection id. Either way the same
 * rejection always gives the same id, so a redrive sent twice is kept once by every consumer.
 */
export function redriveIdOf(rejection: Pick<RejectionRow, 'id' | 'event_id' | 'errors'>): string {
  const refusedId = rejection.errors.some((error) => /(^|\.)event_id$/.test(error.field));
  return rejection.event_id !== null && !refusedId ? rejection.event_id : redriveEventId(rejection.id);
}

/** Who redrove: the key id of the token or session, else the operator actor; never a secret. */
function redriverOf(request: GatewayRequest): string {
  return request.keyId ? `key:${request.keyId}` : (request.auditActor ?? 'operator');
}

const failure = (index: number, id: string, error: ApiError): RedriveResult => ({
  index,
  id,
  status: error.status,
  outcome: 'refused',
  error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
});

/**
 * Sends fixed events of rejections again (issue 21) through the gateway's one ingestion path
 * (IngestionService: the same validation, privacy rules and acknowledged write as /api/v1/track),
 * each under its original event id and received as of its refusal. Item by item: one refused again
 * does not stop the others; a refused one writes no new bad row, the original rejection stays.
 */
@Injectable()
export class RedriveService {
  constructor(
    private readonly ingestion: IngestionService,
    private readonly reader: TenantReadRepository,
    private readonly marks: RedriveRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async redrive(request: GatewayRequest, customer: CustomerConfig, items: readonly RedriveItem[]): Promise<RedriveResult[]> {
    const tenantHk = Buffer.from(customer.tenantHk, 'hex');
    const ids = items.map((item) => item.id).filter((id) => !id.startsWith(LOADER_ID_PREFIX));
    const rejections = await this.reader.read(customer.tenantHk, (query) => findRejections(query, tenantHk, ids));
    const total: IngestSummary = { received: 0, accepted: 0, rejected: 0, dropped: 0 };
    const results: RedriveResult[] = [];
    for (const [index, item] of items.entries()) {
      results.push(await this.one(request, customer, tenantHk, index, item, rejections.get(item.id), total));
    }
    // The request's one audit record (AuditInterceptor or the exception filter) counts every item.
    request.ingest = total;
    return results;
  }

  private async one(
    request: GatewayRequest,
    customer: CustomerConfig,
    tenantHk: Buffer,
    index: number,
    item: RedriveItem,
    rejection: RejectionRow | undefined,
    total: IngestSummary,
  ): Promise<RedriveResult> {
    if (item.id.startsWith(LOADER_ID_PREFIX)) {
      return failure(index, item.id, new ApiError(409, 'CONFLICT', `Rejection "${item.id}" is an event the vault-loader marked invalid: it is in the vault under its id already, so a redrive under that id would be deduplicated; send it again with a new event_id through /api/v1/track`));
    }
    if (!rejection) return failure(index, item.id, new ApiError(404, 'NOT_FOUND', `No rejection "${item.id.slice(0, 100)}" of customer "${customer.customerId}" (unknown, of another customer, or older than 14 days)`));
    const eventId = redriveIdOf(rejection);
    // The fixed event goes out under the original id whatever id it carries now; anything but an object is the pipeline's to refuse.
    const body = item.event !== null && typeof item.event === 'object' && !Array.isArray(item.event) ? { ...item.event, event_id: eventId } : item.event;
    try {
      const result = await this.ingestion.ingest(request, customer, [body], {
        source: 'api',
        batchId: null,
        indexed: false,
        awaitAcknowledgement: true,
        status: () => 200,
        redriveOf: { receivedAt: rejection.received_at.getTime() },
        recordRejections: false,
        audit: false,
      });
      total.received += 1;
      total.accepted += result.accepted.length;
      total.rejected += result.rejected.length;
      total.dropped += result.dropped.length;
      if (result.rejected.length > 0) {
        return failure(index, item.id, siteRefusalError(result, customer.customerId) ?? ApiError.invalid(result.rejected[0].errors, 'event'));
      }
      const outcome = result.accepted.length > 0 ? 'accepted' : 'dropped';
      const mark = await this.marks.mark(tenantHk, { rejectionId: rejection.id, eventId, outcome, redrivenBy: redriverOf(request) });
      return { index, id: item.id, status: 200, outcome, event_id: eventId, redriven: mark };
    } catch (error) {
      // Kafka did not acknowledge (or the database could not mark): this item is answered 503, never 500, and may be sent again.
      this.logger.warn({ err: error, customerId: customer.customerId, rejectionId: rejection.id }, 'redrive not completed');
      return failure(index, item.id, new ApiError(503, 'SERVICE_UNAVAILABLE', 'The event could not be published now (Kafka did not acknowledge it); redrive it again'));
    }
  }
}
