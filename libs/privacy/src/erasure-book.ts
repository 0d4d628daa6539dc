import type { ErasureRequestRecord } from '@tracking/contracts';
import { customerKey, subjectHash } from './subject-hash';

export interface SubjectIds {
  visitorId?: string | null;
  userId?: string | null;
}

interface CustomerErasures {
  visitors: Set<string>;
  users: Set<string>;
  requests: Map<string, ErasureRequestRecord>;
}

/**
 * The erasure list as read so far: requests by id, and per customer the hashes of every erased
 * visitor and user id, so asking whether an event's subject is erased costs a hash or two and a set
 * lookup, and nothing for a customer without erasures.
 */
export class ErasureBook {
  private readonly byRequest = new Map<string, ErasureRequestRecord>();
  private readonly byCustomer = new Map<string, CustomerErasures>();

  /** Applies one record (null: a tombstone withdraws the request). Returns the request when it is new or changed. */
  apply(requestId: string, record: ErasureRequestRecord | null): ErasureRequestRecord | undefined {
    const before = this.byRequest.get(requestId);
    if (before && record && sameRequest(before, record)) return undefined;
    if (before) {
      this.byRequest.delete(requestId);
      this.withdraw(before);
    }
    if (record === null) return undefined;
    this.byRequest.set(requestId, record);
    const key = customerKey(record.customer_id);
    let erasures = this.byCustomer.get(key);
    if (!erasures) this.byCustomer.set(key, (erasures = { visitors: new Set(), users: new Set(), requests: new Map() }));
    erasures.requests.set(requestId, record);
    for (const hk of record.visitor_hks) erasures.visitors.add(hk.toLowerCase());
    for (const hk of record.user_hks) erasures.users.add(hk.toLowerCase());
    return record;
  }

  has(requestId: string): boolean {
    return this.byRequest.has(requestId);
  }

  get size(): number {
    return this.byRequest.size;
  }

  isErased(customerId: string, ids: SubjectIds): boolean {
    const erasures = this.byCustomer.get(customerKey(customerId));
    if (!erasures) return false;
    if (ids.visitorId && erasures.visitors.size > 0 && erasures.visitors.has(subjectHash(customerId, ids.visitorId))) return true;
    if (ids.userId && erasures.users.size > 0 && erasures.users.has(subjectHash(customerId, ids.userId))) return true;
    return false;
  }

  /** Every request, or one customer's, oldest first. */
  requests(customerId?: string): readonly ErasureRequestRecord[] {
    const all = customerId === undefined ? [...this.byRequest.values()] : [...(this.byCustomer.get(customerKey(customerId))?.requests.values() ?? [])];
    return all.sort((a, b) => a.requested_at - b.requested_at || a.request_id.localeCompare(b.request_id));
  }

  /** Removes a request; its customer's hash sets are rebuilt from the customer's other requests (rare: only a withdrawal or a rewrite). */
  private withdraw(request: ErasureRequestRecord): void {
    const key = customerKey(request.customer_id);
    const erasures = this.byCustomer.get(key);
    if (!erasures) return;
    erasures.requests.delete(request.request_id);
    if (erasures.requests.size === 0) {
      this.byCustomer.delete(key);
      return;
    }
    erasures.visitors.clear();
    erasures.users.clear();
    for (const other of erasures.requests.values()) {
      for (const hk of other.visitor_hks) erasures.visitors.add(hk.toLowerCase());
      for (const hk of other.user_hks) erasures.users.add(hk.toLowerCase());
    }
  }
}

function sameRequest(a: ErasureRequestRecord, b: ErasureRequestRecord): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
