/// <reference lib="dom" />
import { behaviourFeatures, startBehaviour, type BehaviourTracker } from './behaviour';
import { EventQueue, MAX_BATCH } from './event.queue';
import { IdentityStore, VISITOR_TTL_SECONDS } from './identity';
import { linkedUrl, linkerValue, readLinker, takeLinker } from './linker';
import { pageKey, watchNavigation } from './navigation';
import { resolveOptions, type ResolvedOptions } from './options';
import { redactionNames, redactUrl } from './redaction';
import { browserStore, type KeyValueStore } from './storage';
import { batchBody, beaconBatches, browserTransport, byteLength, KEEPALIVE_LIMIT_BYTES, type Transport } from './transport';
import type { ConsentState, Properties, TrackerOptions, WireEvent } from './types';
import { extractUtm } from './utm';
import { uuidv4 } from './uuid';
import { SDK_NAME, SDK_VERSION } from './version';

/** The visitor's consent choice is itself kept (essential storage), so it holds on every page. */
export const CONSENT_KEY = 'cp_consent';
/** The only event type that goes out whatever the consent: the record of the choice itself. */
export const CONSENT_EVENT = 'consent_update';

/** The collector's limits (libs/ingestion): longer values would get the event refused. */
const MAX_NAME = 255;
const MAX_URL = 2048;

/** Seed 000's object form of trackEvent. */
export interface CustomEventInput {
  event_type?: string;
  name?: string;
  event_name?: string;
  properties?: Properties;
  event_data?: Properties;
}

interface EventFields {
  name?: string;
  url?: string;
  referrer?: string;
  properties?: Properties;
  /** Essential events (the consent record) skip the gate and carry no ids after a refusal. */
  essential?: boolean;
}

function browserSaysDoNotTrack(): boolean {
  const nav = navigator as Navigator & { globalPrivacyControl?: boolean; msDoNotTrack?: string };
  const win = window as Window & { doNotTrack?: string };
  return nav.doNotTrack === '1' || win.doNotTrack === '1' || nav.msDoNotTrack === '1' || nav.globalPrivacyControl === true;
}

/**
 * The browser tracker: page views (single-page-app navigation included), custom events and
 * identify, stamped with the visitor and session ids, gated by consent, redacted, queued and
 * delivered in batches with retries, and handed to sendBeacon when the page is hidden or closed.
 */
export class Tracker {
  private readonly options: ResolvedOptions;
  private readonly store: KeyValueStore;
  private readonly identity: IdentityStore;
  private readonly queue: EventQueue<WireEvent>;
  private readonly transport: Transport;
  private readonly redactNames: ReadonlySet<string>;
  /** Do Not Track with respectDoNotTrack: the tracker exists, and does nothing. */
  private readonly disabled: boolean;
  private consent: ConsentState;
  private readonly behaviour: BehaviourTracker | undefined;
  private lastPageKey: string | undefined;
  private lastPageUrl: string | undefined;
  private readonly stops: Array<() => void> = [];

  constructor(options: TrackerOptions, transport?: Transport) {
    this.options = resolveOptions(options);
    this.redactNames = redactionNames(this.options.redactQueryParameters);
    this.transport = transport ?? browserTransport(this.options);
    this.store = browserStore(this.options.storage, this.options.cookieDomain, Date.now);
    this.identity = new IdentityStore(this.store, uuidv4, Date.now);
    this.disabled = this.options.respectDoNotTrack && browserSaysDoNotTrack();
    const stored = this.store.get(CONSENT_KEY);
    this.consent = stored === 'granted' || stored === 'denied' ? stored : 'pending';
    this.queue = new EventQueue<WireEvent>(
      {
        maxSize: MAX_BATCH,
        flushAt: this.options.flushAt,
        flushIntervalMs: this.options.flushIntervalMs,
        baseDelayMs: this.options.retryBaseDelayMs,
        maxDelayMs: this.options.retryMaxDelayMs,
        // The gateway refuses bodies over 64 KiB (a 413 the browser reports as a network error).
        maxBatchBytes: KEEPALIVE_LIMIT_BYTES,
      },
      {
        send: (batch) => {
          // Another tab may have withdrawn consent since these events were queued.
          this.syncConsent();
          const allowed = batch.filter((event) => this.mayStillSend(event));
          if (allowed.length === 0) return Promise.resolve({ kind: 'delivered' });
          return this.transport.send(allowed.map((event) => this.stamp(event)));
        },
        random: Math.random,
        onDrop: (count, reason) => this.log(`dropped ${count} event(s): ${reason}`),
        sizeOf: (event) => byteLength(JSON.stringify(this.stamp(event))),
        admit: (event) => this.mayStillSend(event),
      },
      !this.gateOpen(),
    );
    if (this.disabled) {
      this.log('Do Not Track is on: nothing will be sent');
      return;
    }
    if (this.gateOpen()) this.identity.enablePersistence();
    this.continueLinkedVisit();

    this.listen(document, 'visibilitychange', () => (document.visibilityState === 'hidden' ? this.pageHidden(false) : this.behaviour?.pageVisible()));
    this.listen(window, 'pagehide', () => this.pageHidden(true));
    const features = behaviourFeatures(this.options.behaviour);
    if (features.size > 0) {
      this.behaviour = startBehaviour(features, {
        emit: (name, properties) => this.emit('custom_event', { name, properties }),
        redact: (url) => this.redact(url),
      });
      this.stops.push(() => this.behaviour?.stop());
    }
    if (this.options.linkDomains.length > 0) {
      // Capture phase, before the browser follows the link: the address it follows is the decorated one.
      for (const type of ['click', 'auxclick']) this.listen(document, type, (event) => this.decorateLink(event.target), true);
    }
    if (this.options.autoPageViews) {
      this.stops.push(watchNavigation(() => {
        if (pageKey(location.href) !== this.lastPageKey) this.page();
      }));
      this.page();
    }
  }

  /** A custom event (seed 001: `trackEvent('button_click', { ... })`). */
  track(name: string, properties?: Properties): void {
    this.emit('custom_event', { name, properties });
  }

  /** `trackEvent(name, properties)`, or seed 000's `trackEvent({ event_type, event_data })`. */
  trackEvent(event: string | CustomEventInput, properties?: Properties): void {
    if (typeof event === 'string') return this.track(event, properties);
    this.emit(event.event_type ?? 'custom_event', {
      name: event.name ?? event.event_name,
      properties: { ...event.event_data, ...event.properties, ...properties },
    });
  }

  /** A view of the current page. */
  page(properties?: Properties): void {
    this.trackPageView(undefined, properties);
  }

  /** A page view of `url` (default: the current page), as seed 000's trackPageView. */
  trackPageView(url?: string, properties?: Properties): void {
    if (this.disabled) return;
    const href = url === undefined ? location.href : new URL(url, location.href).toString();
    // After an in-app navigation the previous page is the referrer, as it would be on a full load.
    const referrer = this.lastPageUrl ?? (document.referrer || undefined);
    this.behaviour?.pageChanged(this.lastPageUrl);
    this.lastPageKey = pageKey(href);
    this.lastPageUrl = href;
    this.emit('page_view', { name: document.title || undefined, url: href, referrer, properties });
  }

  /** Who the visitor is (seed 002's `identity` event); later events carry the user id. */
  identify(userId: string, traits?: Properties): void {
    if (this.disabled || typeof userId !== 'string' || userId.trim() === '') return;
    this.identity.setUserId(userId.trim());
    this.emit('identity', { properties: traits });
  }

  /**
   * The visitor's choice (seed 002). `granted` sends everything queued and lets the ids be stored;
   * `denied` drops the queue, removes the stored ids and sends nothing more but the record of the
   * choice. The choice is remembered for later pages.
   */
  setConsent(state: ConsentState, metadata?: Properties): void {
    if (this.disabled || (state !== 'granted' && state !== 'denied' && state !== 'pending')) return;
    this.syncConsent();
    const changed = state !== this.consent;
    if (state === 'pending') this.store.remove(CONSENT_KEY);
    else this.store.set(CONSENT_KEY, state, VISITOR_TTL_SECONDS);
    this.applyConsent(state);
    if (changed && state !== 'pending') this.emit(CONSENT_EVENT, { properties: { consent: state, ...metadata }, essential: true });
  }

  /** Sends what is queued now; resolves once it is delivered (or the consent gate holds it). */
  flush(): Promise<void> {
    return this.queue.flush();
  }

  /** Forget the visitor (logout on a shared computer): new visitor and session ids, no user id. */
  reset(): void {
    this.identity.reset();
  }

  /** Removes the tracker's listeners; what is queued is sent by beacon. */
  destroy(): void {
    this.pageHidden(false);
    for (const stop of this.stops.splice(0)) stop();
  }

  /**
   * Arrived by a link from another of the customer's domains: the parameter leaves the address bar
   * (and so every URL this page reports) first; its ids are taken if fresh and made in this browser.
   */
  private continueLinkedVisit(): void {
    const taken = takeLinker(location.href);
    if (!taken) return;
    history.replaceState(history.state, '', taken.rest);
    if (this.consent === 'denied') return;
    const ids = readLinker(taken.value, Date.now(), browserBinding(this.options.customerId));
    // Expired, altered or made in another browser: this domain's own ids stand.
    if (ids) this.identity.adopt(ids.visitorId, ids.sessionId);
  }

  /**
   * A click on a link to another linked domain: its address gets the ids just before the browser
   * follows it, once the visitor may be identified. Following a link is activity (touch): the
   * session it carries is the one the next page continues.
   */
  private decorateLink(target: EventTarget | null): void {
    // An SVG link's href is not a string: it is left alone.
    const link = (target as Element | null)?.closest?.('a[href],area[href]') as HTMLAnchorElement | null;
    if (typeof link?.href !== 'string' || !this.gateOpen()) return;
    const linked = linkedUrl(link.href, location.host, this.options.linkDomains, () => linkerValue(this.identity.touch(), Date.now(), browserBinding(this.options.customerId)));
    if (linked) link.href = linked;
  }

  private applyConsent(state: ConsentState): void {
    this.consent = state;
    if (state === 'denied') {
      this.queue.clear();
      this.identity.disablePersistence();
    }
    if (this.gateOpen()) {
      this.identity.enablePersistence();
      this.queue.resume();
    } else if (state === 'denied') {
      // Open for the consent record only: emit() refuses everything else from now on.
      this.queue.resume();
    } else {
      // Back to undecided: no identifier may be written until the visitor agrees again.
      this.identity.disablePersistence();
      this.queue.pause();
    }
  }

  /** The choice as persisted (cp_consent is shared by every tab): another tab may have changed it. */
  private syncConsent(): void {
    if (this.disabled) return;
    const stored = this.store.get(CONSENT_KEY);
    const state: ConsentState = stored === 'granted' || stored === 'denied' ? stored : 'pending';
    if (state !== this.consent) {
      this.log(`consent changed in another tab: ${state}`);
      this.applyConsent(state);
    }
  }

  /** Once consent is denied, nothing but the record of the choice may leave, even if queued before. */
  private mayStillSend(event: WireEvent): boolean {
    return this.consent !== 'denied' || event.event_type === CONSENT_EVENT;
  }

  private gateOpen(): boolean {
    return this.consent === 'granted' || (!this.options.requireConsent && this.consent === 'pending');
  }

  private emit(type: string, fields: EventFields): void {
    if (this.disabled) return;
    this.syncConsent();
    if (this.consent === 'denied' && !fields.essential) return;
    let properties: Properties | undefined;
    const anonymous = fields.essential && this.consent === 'denied';
    const redacted = redactUrl(fields.url ?? location.href, this.redactNames);
    const ids = anonymous ? undefined : this.identity.touch();
    // From the redacted URL: a parameter the site asked to redact never leaves, not even as a UTM.
    const utm = ids && this.identity.attribution(redacted === undefined ? undefined : extractUtm(redacted), ids.sessionId);
    try {
      // Checked now, not at send time: a value JSON cannot hold would otherwise fail the whole batch.
      properties = utm || fields.properties ? (JSON.parse(JSON.stringify({ ...utm, ...fields.properties })) as Properties) : undefined;
    } catch (error) {
      this.log(`event "${fields.name ?? type}" dropped: properties not JSON (${String(error)})`);
      return;
    }
    const url = redacted?.slice(0, MAX_URL);
    const referrer = fields.referrer === undefined ? undefined : this.redact(fields.referrer);
    this.queue.enqueue({
      event_id: uuidv4(),
      event_type: type,
      name: fields.name?.slice(0, MAX_NAME),
      url,
      referrer,
      properties,
      visitor_id: ids?.visitorId,
      session_id: ids?.sessionId,
      user_id: anonymous ? undefined : this.identity.userId,
      occurred_at: new Date().toISOString(),
    });
  }

  /** sent_at and consent as of this attempt, and the SDK that sends it; the event id stays, so a retry is recognisable. */
  private stamp(event: WireEvent): WireEvent {
    return { ...event, sent_at: new Date().toISOString(), consent_state: this.consent, library_name: SDK_NAME, library_version: SDK_VERSION };
  }

  private redact(url: string): string | undefined {
    return redactUrl(url, this.redactNames)?.slice(0, MAX_URL);
  }

  /**
   * Hands what waits to the browser. Beacons and keepalive fetches share one allowance of about
   * 64 KB in flight, so only what fits in KEEPALIVE_LIMIT_BYTES goes; the rest, and whatever the
   * browser refuses, stays queued for the next ordinary send.
   */
  private pageHidden(leaving: boolean): void {
    this.behaviour?.pageHidden(leaving);
    this.syncConsent();
    const events = this.queue.drain();
    if (events.length === 0) return;
    let budget = KEEPALIVE_LIMIT_BYTES;
    let handed = 0;
    for (const batch of beaconBatches(events.map((event) => this.stamp(event)), MAX_BATCH)) {
      const body = batchBody(batch);
      const size = byteLength(body);
      if (size > budget || !this.transport.beacon(body)) break;
      budget -= size;
      handed += batch.length;
    }
    if (handed < events.length) {
      this.log(`${events.length - handed} event(s) kept queued: no room in a beacon`);
      this.queue.restore(events.slice(handed));
    }
  }

  private listen(target: EventTarget, type: string, listener: (event: Event) => void, capture = false): void {
    target.addEventListener(type, listener, capture);
    this.stops.push(() => target.removeEventListener(type, listener, capture));
  }

  private log(message: string): void {
    if (this.options.debug) console.debug(`[tracking] ${message}`);
  }
}

/** What a cross-domain link's check value is bound to: the customer and this browser (see linker.ts). */
function browserBinding(customerId: string): string {
  return `${customerId}|${navigator.userAgent}|${navigator.language}`;
}

/** A tracker for the current page (the ES module's entry point). */
export function createTracker(options: TrackerOptions): Tracker {
  return new Tracker(options);
}
