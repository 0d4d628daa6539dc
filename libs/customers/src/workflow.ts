import type { TriggerType } from '@tracking/contracts';

export type PathFilter = { kind: 'exact' | 'prefix'; value: string } | { kind: 'glob'; value: string; pattern: RegExp };

export type PropertyFilter = { kind: 'equals'; value: string } | { kind: 'one_of'; values: string[] } | { kind: 'exists'; value: boolean };

export interface Webhook {
  url: string;
  /** Standard Webhooks secrets (`whsec_` + base64), decoded; two while one is being rotated out. */
  secrets: Buffer[];
}

/** One customer workflow's subscription (seed 002's automation hooks). */
export interface Workflow {
  customerId: string;
  workflowId: string;
  trigger: TriggerType;
  path?: PathFilter;
  /** Any of these names; all names when absent. */
  eventNames?: ReadonlySet<string>;
  properties: ReadonlyArray<[name: string, filter: PropertyFilter]>;
  webhook?: Webhook;
}
