import type { PipelineService } from '../pipeline';
import type { RawRequest } from '../raw-http';
import type { TestCustomer } from '../test-customers';
import type { Prng } from './prng';

/** Where the drill's services listen. */
export const HOST = '127.0.0.1';

/** The drill's world: its customers and keys, made before the corpus is generated. */
export interface World {
  a: TestCustomer;
  b: TestCustomer;
  /** Tracking switched off in its features.yaml. */
  off: TestCustomer;
  /** A tracking key of A made through the keys API: a second valid secret and publishable key. */
  aKey: { secret: string; publishable: string };
  /** A key of A that was revoked before the drill. */
  revoked: { secret: string; publishable: string; keyId: string };
  recentIso: () => string;
}

/** The services the drill sends requests to: every one of the pipeline. */
export type Service = PipelineService;

export interface DrillCase {
  index: number;
  service: Service;
  /** The route as the books count it, e.g. "POST /api/v1/track". */
  endpoint: string;
  /** What was hostile about it, for the failure report. */
  kinds: string[];
  request: RawRequest;
  /** Must be answered 4xx: no credentials that could authenticate, or a body that breaks a rule. */
  mustRefuse: boolean;
  /** A 2xx answer of bulk or browser ingestion must report no event processed. */
  noEventAccepted: boolean;
  /** Node closes CONNECT requests without an answer when nothing listens for them. */
  mayCloseSilently?: boolean;
}

/** One request of the corpus; it draws only from `rng`, so the same seed gives the same corpus. */
export type Generator = (rng: Prng, world: World, index: number) => DrillCase;

export const caseOf = (index: number, service: Service, endpoint: string, kinds: string[], request: RawRequest, mustRefuse: boolean, noEventAccepted = false): DrillCase => {
  // The books count a route once, whatever method was tried on it; the method is one more hostile trait.
  const routeMethod = endpoint.split(' ')[0];
  if (!request.raw && /^[A-Z]+$/.test(routeMethod ?? '') && request.method !== routeMethod) kinds.push(`method ${request.method}`);
  return { index, service, endpoint, kinds, request, mustRefuse, noEventAccepted };
};
