/** The customer and the person a record is about, as far as its value says. */
export interface RecordSubject {
  customerId?: string;
  visitorIds: string[];
  userIds: string[];
}

const MAX_DEPTH = 4;

/**
 * Finds customer_id, visitor_id and user_id anywhere in a record's value (a tracking event, a
 * trigger, a rejected event's payload, a dead letter's JSON text), so `tail` can withhold an erased
 * person's records on every topic, not only those it has a schema for.
 */
export function recordSubject(value: unknown, customerHint?: string): RecordSubject {
  const subject: RecordSubject = { customerId: customerHint, visitorIds: [], userIds: [] };
  const visit = (node: unknown, depth: number): void => {
    if (typeof node === 'string') {
      // A dead letter or a rejected body keeps its JSON as text.
      const text = node.trim();
      if (depth < MAX_DEPTH && (text.startsWith('{') || text.startsWith('['))) {
        try {
          visit(JSON.parse(text), depth + 1);
        } catch {
          // Not JSON: nothing to find.
        }
      }
      return;
    }
    if (node === null || typeof node !== 'object' || depth > MAX_DEPTH) return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1);
      return;
    }
    for (const [key, child] of Object.entries(node as Record<string, unknown>)) {
      if (typeof child === 'string') {
        if (key === 'customer_id' && subject.customerId === undefined) subject.customerId = child;
        else if (key === 'visitor_id') subject.visitorIds.push(child);
        else if (key === 'user_id') subject.userIds.push(child);
      }
      visit(child, depth + 1);
    }
  };
  visit(value, 0);
  return subject;
}

/** Whether any id of the record names an erased subject of its customer. */
export function isErasedRecord(subject: RecordSubject, isErased: (customerId: string, ids: { visitorId?: string; userId?: string }) => boolean): boolean {
  const customerId = subject.customerId;
  if (customerId === undefined) return false;
  return subject.visitorIds.some((visitorId) => isErased(customerId, { visitorId })) || subject.userIds.some((userId) => isErased(customerId, { userId }));
}
