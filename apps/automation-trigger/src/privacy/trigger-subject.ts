import { normaliseBusinessKeyPart, type TrackingEvent } from '@tracking/contracts';
import { subjectHash, type ErasureList } from '@tracking/privacy';

/**
 * Who a trigger is about, as erasure requests name people: the lowercase hex of hashKey(customer, id)
 * of the event's visitor and user (null when the event has none). Stored beside each trigger so a
 * request finds its rows by index; the ids themselves stay only in the payload, which erasure clears.
 */
export interface TriggerSubject {
  visitorHk: string | null;
  userHk: string | null;
}

export const NO_SUBJECT: TriggerSubject = { visitorHk: null, userHk: null };

function hashOf(customerId: string, id: string | null): string | null {
  // A blank id names nobody (hashKey would give the ghost key, which every blank id shares).
  return id === null || normaliseBusinessKeyPart(id) === '' ? null : subjectHash(customerId, id);
}

export function triggerSubjectOf(event: Pick<TrackingEvent, 'customer_id' | 'visitor_id' | 'user_id'>): TriggerSubject {
  return { visitorHk: hashOf(event.customer_id, event.visitor_id), userHk: hashOf(event.customer_id, event.user_id) };
}

/**
 * Whether the list erases a subject known only by its hashes (a stored trigger: its payload has the
 * visitor id, never the user id). Linear in the customer's requests, asked once per delivery.
 */
export function isSubjectErased(list: Pick<ErasureList, 'requests'>, customerId: string, subject: TriggerSubject): boolean {
  if (subject.visitorHk === null && subject.userHk === null) return false;
  return list
    .requests(customerId)
    .some(
      (request) =>
        (subject.visitorHk !== null && request.visitor_hks.includes(subject.visitorHk)) || (subject.userHk !== null && request.user_hks.includes(subject.userHk)),
    );
}
