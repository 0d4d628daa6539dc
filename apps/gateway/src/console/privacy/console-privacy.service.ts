import { Injectable } from '@nestjs/common';
import { ServiceAdminClient } from '../../services/service-admin.client';

/** Who asks, as the erasure request records it: the console and the credential, never a person's id. */
export interface Requester {
  actor: string;
  keyId: string | null;
}

export interface SubjectIds {
  visitor_id?: string;
  user_id?: string;
}

/**
 * The tenant's side of the vault loader's erasure API (issue 21): the customer id is the one the
 * caller authenticated as, put in the loader's query or body here, never taken from the request.
 * Subject ids go to the loader in the body only; nothing here logs them (the audit record keeps
 * their hash keys, as every privacy call's does).
 */
@Injectable()
export class ConsolePrivacyService {
  constructor(private readonly services: ServiceAdminClient) {}

  list(customerId: string): Promise<object> {
    return this.services.expect('vaultLoader', '/api/v1/privacy/erasures', { query: { customer_id: customerId } });
  }

  request(customerId: string, subject: SubjectIds, requester: Requester): Promise<object> {
    // The loader takes 1-255 printable characters without spaces (an operator's name or a ticket id).
    const requestedBy = `console:${requester.actor}${requester.keyId ? `:key=${requester.keyId}` : ''}`.replace(/[^\x21-\x7e]/g, '_').slice(0, 255);
    return this.services.expect('vaultLoader', '/api/v1/privacy/erasures', {
      method: 'POST',
      body: { customer_id: customerId, ...subject, requested_by: requestedBy },
      timeoutMs: 60_000,
    });
  }
}
