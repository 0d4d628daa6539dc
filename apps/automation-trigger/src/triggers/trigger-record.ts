import { triggerId, triggerIdempotencyKey, triggerTypeOf, type AutomationTrigger, type TrackingEvent } from '@tracking/contracts';
import type { Workflow } from '@tracking/customers';
import { eventProperties } from '../workflows/workflow-index';

/**
 * Builds the trigger an event fires for a workflow: every field from the event, so a replay builds
 * the same record. What comes from the event alone (key, type, properties) is worked out once, for
 * all the workflows it fires.
 */
export function triggerBuilder(event: TrackingEvent): (workflow: Workflow) => AutomationTrigger {
  const idempotencyKey = triggerIdempotencyKey(event);
  const triggerType = triggerTypeOf(event);
  const properties = JSON.stringify(eventProperties(event));
  return (workflow) => ({
    trigger_id: triggerId(event.customer_id, workflow.workflowId, idempotencyKey),
    idempotency_key: idempotencyKey,
    customer_id: event.customer_id,
    workflow_id: workflow.workflowId,
    trigger_type: triggerType,
    event_id: event.event_id,
    event_type: event.event_type,
    event_name: event.event_name,
    session_id: event.session_id,
    visitor_id: event.visitor_id,
    page_url: event.page_url,
    occurred_at: event.occurred_at,
    properties,
  });
}
