import { ApiError } from '@tracking/http';
import type { IngestResult } from './ingestion.service';

/**
 * The answer when the customer's configuration refuses what it was sent: seed 000's 403 FORBIDDEN
 * ("customer access denied, check the customer configuration"), naming the host, rather than a 400
 * (the request itself is well-formed). For a batch only when every event was refused that way; a
 * batch with some accepted events answers 200 and lists the refused ones like invalid ones.
 */
export function siteRefusalError(result: Pick<IngestResult, 'accepted' | 'rejected' | 'dropped'>, customerId: string): ApiError | undefined {
  if (result.rejected.length === 0 || result.accepted.length > 0 || result.dropped.length > 0) return undefined;
  const hosts = new Set<string>();
  for (const rejected of result.rejected) {
    if (!rejected.refusal) return undefined;
    hosts.add(rejected.refusal.host);
  }
  const named = [...hosts].slice(0, 5).map((host) => `"${host}"`).join(', ');
  return new ApiError(
    403,
    'FORBIDDEN',
    `${hosts.size === 1 ? 'Host' : 'Hosts'} ${named}${hosts.size > 5 ? ` (and ${hosts.size - 5} more)` : ''} ${hosts.size === 1 ? 'is not a declared site' : 'are not declared sites'} of customer "${customerId}", which restricts tracking to its declared sites (site_discovery: restricted)`,
    result.rejected.flatMap((rejected) => rejected.errors),
  );
}

/** The audit status of a single-event request: 403 for a refused site, 400 for an invalid event. */
export function singleEventStatus(result: Pick<IngestResult, 'accepted' | 'rejected' | 'dropped'>, success: number, customerId: string): number {
  if (result.rejected.length === 0) return success;
  return siteRefusalError(result, customerId)?.status ?? 400;
}
