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

const encoder = new TextEncoder();

/** The bytes a string takes on the wire (UTF-8). */
export function byteLength(text: string): number {
  return encoder.encode(text).length;
}

/** Splits events into batches whose bodies each fit the keepalive/beacon budget (and the collector's 50). */
export function beaconBatches(events: WireEvent[], maxEvents: number, maxBytes = KEEPALIVE_LIMIT_BYTES): WireEvent[][] {
  const batches: WireEvent[][] = [];
  let batch: WireEvent[] = [];
  for (const event of events) {
    const candidate = batch.concat(event);
    if (batch.length > 0 && (candidate.length > maxEvents || byteLength(batchBody(candidate)) > maxBytes)) {
      batches.push(batch);
      batch = [event];
    } else {
      batch = candidate;
    }
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** The bodies of beaconBatches. */
export function beaconBodies(events: WireEvent[], maxEvents: number, maxBytes = KEEPALIVE_LIMIT_BYTES): string[] {
  return beaconBatches(events, maxEvents, maxBytes).map(batchBody);
}

export interface Transport {
  send(events: WireEvent[]): Promise<SendOutcome>;
  /**
   * Hands events to the browser to deliver after the page is gone; true only when the browser said
   * it took them (sendBeacon's answer), false when it refused or cannot say.
   */
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
        keepalive: byteLength(body) <= KEEPALIVE_LIMIT_BYTES,
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
      // A last try that nobody can confirm (the page is going, and a keepalive fetch over the
      // browser's allowance fails): the events are reported not taken and stay queued, and if this
      // copy arrives too, their fixed event ids make the second delivery harmless.
      try {
        void fetch(url, { method: 'POST', mode: 'cors', credentials: 'omit', headers: { 'Content-Type': CONTENT_TYPE }, body, keepalive: true }).catch(() => undefined);
      } catch {
        // Refused synchronously: nothing more to try.
      }
      return false;
    },
  };
}
