/** The visitor's answer to the consent question (seed 002); `pending` until the site says otherwise. */
export type ConsentState = 'pending' | 'granted' | 'denied';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Free-form event properties; `undefined` values are left out, as JSON.stringify does. */
export type Properties = Record<string, JsonValue | undefined>;

/** Seed 004's optional behavioural tracking, each part switched on by name. */
export type BehaviourFeature = 'scroll' | 'clicks' | 'forms' | 'visibility';

export type StorageKind = 'cookie' | 'localStorage' | 'memory';

/** What a site passes to the tracker (script tag data-* attributes, window.trackingConfig or createTracker). */
export interface TrackerOptions {
  customerId: string;
  /** The publishable key (`pk_...`). Never a secret token: those are refused. */
  publishableKey: string;
  /** Base URL of the gateway, e.g. `https://collect.example.com`. */
  endpoint: string;
  /** Nothing but essential events leaves the page before `setConsent('granted')`. Default true (seed 002). */
  requireConsent?: boolean;
  /** Send nothing when the browser says Do Not Track or Global Privacy Control. Default false. */
  respectDoNotTrack?: boolean;
  /** A page view on load and on every single-page-app navigation. Default true. */
  autoPageViews?: boolean;
  /** Seed 004's behavioural events: `true` for all, or a list. Default off. */
  behaviour?: boolean | BehaviourFeature[];
  /** Query parameters to redact besides those named like token, secret or password. */
  redactQueryParameters?: string[];
  /** Where cp_track_id and cp_session_id live. Default `cookie` (shared by every tab of the site). */
  storage?: StorageKind;
  /** Cookie domain, e.g. `.example.com` to share the ids across subdomains. */
  cookieDomain?: string;
  /**
   * The customer's other domains (e.g. `['shop.example', 'book.example']`, subdomains included): links
   * to them carry the visitor and session, so a visit that crosses domains stays one visitor and one
   * session. Put the same list on every domain. Default none.
   */
  linkDomains?: string[];
  /** Send as soon as this many events wait. Default 10. */
  flushAt?: number;
  /** Send what waits after this long. Default 1000 ms. */
  flushIntervalMs?: number;
  /** First retry delay; doubles per attempt, with jitter. Default 1000 ms. */
  retryBaseDelayMs?: number;
  /** Longest retry delay. Default 60000 ms. */
  retryMaxDelayMs?: number;
  /** Log what the tracker does to the console. */
  debug?: boolean;
}

/** One event as the gateway's browser collector takes it (seed 002's field names). */
export interface WireEvent {
  event_id: string;
  event_type: string;
  name?: string;
  url?: string;
  referrer?: string;
  properties?: Properties;
  visitor_id?: string;
  session_id?: string;
  user_id?: string;
  occurred_at: string;
  /** Set on every attempt, so the gateway can correct the client's clock; the event id stays. */
  sent_at?: string;
  consent_state?: ConsentState;
  /** This SDK's package name and version, on every attempt. */
  library_name?: string;
  library_version?: string;
}
