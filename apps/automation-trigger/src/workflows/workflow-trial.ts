import { Injectable } from '@nestjs/common';
import { Type, type Static } from '@sinclair/typebox';
import type { TrackingEvent } from '@tracking/contracts';
import { REASON_KEYWORD } from '@tracking/ingestion';
import { AutomationsDocumentSchema } from './automations-document.schema';
import { WorkflowCatalog } from './workflow-catalog';
import { WorkflowIndex, failedFilter } from './workflow-index';

const optionalText = (description: string) => Type.Optional(Type.String({ maxLength: 8192, description }));

/**
 * A sample event and the workflows to try it on: the saved ones, or a document not saved yet (the
 * console's editor), optionally narrowed to one workflow. The event carries the fields the matcher
 * reads, as an accepted event has them (the gateway runs a sample through its ingestion pipeline
 * first, so UTM fields come from the page URL as they would in production).
 */
export const WorkflowTrialSchema = Type.Object(
  {
    event: Type.Object(
      {
        event_type: Type.String({ minLength: 1, maxLength: 100, description: 'page_view fires site_page_view workflows; any other type site_custom_event ones' }),
        event_name: optionalText('Matched by filters.event_name'),
        page_url: optionalText('Its path is matched by filters.url_path'),
        event_data: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'The properties filters.properties reads', [REASON_KEYWORD]: { type: 'must be an object' } })),
        utm_source: optionalText('Read by property filters when event_data lacks it'),
        utm_medium: optionalText('As utm_source'),
        utm_campaign: optionalText('As utm_source'),
        utm_term: optionalText('As utm_source'),
        utm_content: optionalText('As utm_source'),
      },
      { [REASON_KEYWORD]: { type: 'must be an object' } },
    ),
    workflow_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Only this workflow; every workflow of the document when absent' })),
    document: Type.Optional(AutomationsDocumentSchema),
  },
  { description: 'A sample event, and the workflows to try it on (the saved ones unless `document` is given)', [REASON_KEYWORD]: { type: 'must be an object' } },
);

export type WorkflowTrialRequest = Static<typeof WorkflowTrialSchema>;

/** One workflow's verdict on the sample: it fires, or the first filter that stopped it and why. */
export interface WorkflowVerdict {
  workflow_id: string;
  fires: boolean;
  /** The field of the workflow that failed (`enabled`, `trigger`, `filters.url_path`, `filters.properties.plan`, ...). */
  failed_filter?: string;
  reason?: string;
}

export interface TrialOutcome {
  /** Seed 002's tracking.automation.enabled for the customer (and AUTOMATION_ENABLED): off, nothing fires. */
  automation_enabled: boolean;
  saved: boolean;
  results: WorkflowVerdict[];
}

/** The workflow a trial names does not exist in the document tried. */
export class UnknownWorkflowError extends Error {
  override readonly name = 'UnknownWorkflowError';
}

/** The event the matcher sees for a sample: the sample's fields, everything else empty. */
function sampleEvent(customerId: string, sample: WorkflowTrialRequest['event']): TrackingEvent {
  return {
    event_id: 'sample',
    customer_id: customerId,
    event_type: sample.event_type,
    event_name: sample.event_name ?? null,
    page_url: sample.page_url ?? null,
    referrer: null,
    occurred_at: 0,
    received_at: 0,
    sent_at: null,
    session_id: null,
    visitor_id: null,
    user_id: null,
    location_id: null,
    consent_state: null,
    ip_address: null,
    user_agent: null,
    event_data: JSON.stringify(sample.event_data ?? {}),
    utm_source: sample.utm_source ?? null,
    utm_medium: sample.utm_medium ?? null,
    utm_campaign: sample.utm_campaign ?? null,
    utm_term: sample.utm_term ?? null,
    utm_content: sample.utm_content ?? null,
    batch_id: null,
    source: 'api',
    referrer_domain: null,
    security_score: null,
    suspicious: false,
    key_id: null,
    library_name: null,
    library_version: null,
    site_id: null,
  };
}

/** Ids of the workflows a document declares with `enabled: false` (the reader leaves them out). */
function disabledIds(document: unknown): string[] {
  const workflows = (document as { workflows?: unknown } | null)?.workflows;
  if (!Array.isArray(workflows)) return [];
  return workflows.flatMap((item: unknown) => {
    const fields = item as { id?: unknown; enabled?: unknown } | null;
    return fields?.enabled === false && typeof fields.id === 'string' ? [fields.id] : [];
  });
}

/**
 * Tries a sample event on a customer's workflows with the production matcher (WorkflowIndex, the
 * same class the consumer matches every event with), and explains each miss with failedFilter, the
 * check that index applies. Nothing is recorded, published or delivered.
 */
@Injectable()
export class WorkflowTrial {
  constructor(private readonly catalog: WorkflowCatalog) {}

  /** Throws AutomationsFileError for a bad document, UnknownWorkflowError for a workflow_id it lacks. */
  run(customerId: string, request: WorkflowTrialRequest): TrialOutcome {
    const saved = request.document === undefined;
    const document = request.document ?? this.catalog.document(customerId);
    const workflows = saved ? this.catalog.workflowsOf(customerId) : this.catalog.check(customerId, document, { resolveSecrets: false });
    const event = sampleEvent(customerId, request.event);
    const enabled = this.catalog.enabled(customerId);
    const fired = new Set(new WorkflowIndex(workflows).match(event).map((workflow) => workflow.workflowId));
    const results: WorkflowVerdict[] = workflows.map((workflow) => {
      if (!enabled) return { workflow_id: workflow.workflowId, fires: false, failed_filter: 'automation_enabled', reason: "tracking.automation.enabled is off for this customer: none of its workflows fires" };
      if (fired.has(workflow.workflowId)) return { workflow_id: workflow.workflowId, fires: true };
      const failure = failedFilter(workflow, event);
      return { workflow_id: workflow.workflowId, fires: false, failed_filter: failure?.field ?? 'unknown', reason: failure?.reason ?? 'not matched' };
    });
    for (const id of disabledIds(document)) results.push({ workflow_id: id, fires: false, failed_filter: 'enabled', reason: 'the workflow is switched off (enabled: false)' });
    const chosen = request.workflow_id === undefined ? results : results.filter((result) => result.workflow_id === request.workflow_id);
    if (request.workflow_id !== undefined && chosen.length === 0) throw new UnknownWorkflowError(`No workflow ${JSON.stringify(request.workflow_id)} in the ${saved ? 'saved workflows' : 'document tried'}`);
    return { automation_enabled: enabled, saved, results: chosen };
  }
}
