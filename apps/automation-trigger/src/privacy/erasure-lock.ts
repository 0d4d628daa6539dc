/**
 * SQL for the advisory lock of one customer's erasures, over a text expression naming the customer:
 * a trigger batch holds it shared, an erasure exclusively (see TriggerRepository.record). Namespaced,
 * so it never meets the migrations' or a singleton job's lock.
 */
export const ERASURE_LOCK_OF_CUSTOMER = (customerExpression: string): string => `hashtext('automation-trigger/erasure/' || ${customerExpression})`;
