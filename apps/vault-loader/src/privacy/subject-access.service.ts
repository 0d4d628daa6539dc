import { Injectable } from '@nestjs/common';
import { ExporterAccessClient, type ExportedHoldings } from './exporter-access.client';
import { SubjectAccessRepository, type VaultHoldings } from './subject-access.repository';

export interface SubjectAccessRequest {
  customerId: string;
  visitorId?: string;
  userId?: string;
}

/** The access answer: everything held about the subject, and which part is missing if any. */
export interface SubjectAccessReport {
  customer_id: string;
  subject: { visitor_id: string | null; user_id: string | null };
  /** False when a part could not be read: `missing` says which and why. Never true by default. */
  complete: boolean;
  missing: Array<{ part: 'exports'; reason: string }>;
  linked: { visitor_ids: string[]; user_ids: string[]; session_ids: string[] };
  vault: Omit<VaultHoldings, 'linked'>;
  /** The subject's records in the customer's export bucket; null when the exporter could not be asked. */
  exports: ExportedHoldings | null;
  generated_at: string;
}

/**
 * GDPR art. 15 and 20 for one subject of one customer: the ids the erasure would reach (the same
 * linked-id fixpoint), the vault's raw events, sessions and visitor/user details of those ids, and
 * the exporter's records of them in the customer's bucket, merged into one JSON answer. The vault
 * part is read first; the exporter is asked with every linked id, so both parts describe the same
 * subject.
 */
@Injectable()
export class SubjectAccessService {
  constructor(
    private readonly vault: SubjectAccessRepository,
    private readonly exporter: ExporterAccessClient,
  ) {}

  async access(request: SubjectAccessRequest): Promise<SubjectAccessReport> {
    const { linked, ...held } = await this.vault.holdings(request.customerId, { visitorId: request.visitorId, userId: request.userId });
    // Linked ids come from the vault's staged events; the request's own ids count even when the
    // vault has none of them (expired from the vault, but perhaps still in an export).
    const visitorIds = distinct([request.visitorId, ...linked.visitors]);
    const userIds = distinct([request.userId, ...linked.users]);
    const exported = await this.exporter.exported(request.customerId, visitorIds, userIds);
    return {
      customer_id: request.customerId,
      subject: { visitor_id: request.visitorId ?? null, user_id: request.userId ?? null },
      complete: exported.ok,
      missing: exported.ok ? [] : [{ part: 'exports', reason: exported.reason }],
      linked: { visitor_ids: visitorIds, user_ids: userIds, session_ids: linked.sessions },
      vault: held,
      exports: exported.ok ? exported.holdings : null,
      generated_at: new Date().toISOString(),
    };
  }
}

function distinct(values: Array<string | undefined>): string[] {
  return [...new Set(values.filter((value): value is string => value !== undefined))];
}
