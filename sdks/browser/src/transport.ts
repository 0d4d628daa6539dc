/// <reference lib="dom" />
import { classifyResponse, type SendOutcome } from './backoff';
import type { WireEvent } from './types';

export interface CollectorAddress {
  endpoint: string;
  customerId: string;
  publishableKey: string;
}

/**
 * Browsers cap the bodies of keepalive fetches and beacons at 64 KB in all (and the collector
 * takes 64 KB); above this a request goes without keepalive, or is split.
 */
export const KEEPALIVE_LIMIT_BYTES = 60_000;

/**
 * The collector's URL with the credentials in the query string, where sendBeacon (which cannot set
 * headers) can carry them too. Only the publishable key ever appears here: it is public by design,
 * and the customer's allowed origins are what protect it.
 */
export function collectUrl(address: CollectorAddress): string {
  const base = address.endpoint.replace(/\/+$/, '');
  return `${base}/api/v1/tracking/collect?customer_id=${encodeURIComponent(address.customerId)}&key=${encodeURIComponent(address.publishableKey)}`;
}

export function batchBody(events: WireEvent[]): string {
  return JSON.stringify({ events });
}

/** Splits events into bodies that each fit the keepalive/beacon budget (and the collector's 50). */
export function beaconBodies(events: WireEvent[], maxEvents: number, maxBytes = KEEPALIVE_LIMIT_BYTES): string[] {
  const bodies: string[] = [];
  let batch: WireEvent[] = [];
  for (const event of events) {
    const candidate = batch.concat(event);
    if (batch.length > 0 && (candidate.length > maxEvents || new Blob([batchBody(candidate)]).size > maxBytes)) {
      bodies.push(batchBody(batch));
      batch = [event];
    } else {
      batch = candidate;
    }
  }
  if (batch.length > 0) bodies.push(batchBody(batch));
  return bodies;
}

export interface Transport {
  send(events: WireEvent[]): Promise<SendOutcome>;
  /** Hands events to the browser to deliver after the page is gone; false if it would not take them. */
  beacon(body: string): boolean;
}

/**
 * text/plain keeps both paths "simple" CORS requests: no preflight for fetch, and the only type
 * sendBeacon can send cross-origin without one. The collector parses it as JSON.
 */
const CONTENT_TYPE = 'text/plain;charset=UTF-8';

export function browserTransport(address: CollectorAddress): Transport {
  const url = collectUrl(address);
  return {
    async send(events) {
      const body = batchBody(events);
      const response = await fetch(url, {
        method: 'POST',
        mode: 'cors',
        credentials: 'omit',
        headers: { 'Content-Type': CONTENT_TYPE },
        body,
        // Lets the request finish if the page closes while it is on the wire.
        keepalive: new Blob([body]).size <= KEEPALIVE_LIMIT_BYTES,
      });
      return classifyResponse(response.status, response.headers.get('Retry-After'), Date.now());
    },
    beacon(body) {
      if (typeof navigator.sendBeacon === 'function') {
        try {
          if (navigator.sendBeacon(url, new Blob([body], { type: CONTENT_TYPE }))) return true;
        } catch {
          // Some browsers throw on a cross-origin beacon; the keepalive fetch below is the fallback.
        }
      }
      try {
        void fetch(url, { method: 'POST', mode: 'cors', credentials: 'omit', headers: { 'Content-Type': CONTENT_TYPE }, body, keepalive: true }).catch(() => undefined);
        return true;
      } catch {
        return false;
      }
    },
  };
}
