/// <reference lib="dom" />
import { optionsFromDataset } from './options';
import { Tracker, type CustomEventInput } from './tracker';
import type { ConsentState, Properties, TrackerOptions } from './types';

/** A call made before the tracker existed: `[method, ...arguments]`. */
type QueuedCall = [string, ...unknown[]];

/** `window.Tracking`: the page's tracker, usable before init (calls wait for it). */
export interface TrackingGlobal {
  init(options: TrackerOptions): Tracker | undefined;
  readonly tracker: Tracker | undefined;
  track(name: string, properties?: Properties): void;
  trackEvent(event: string | CustomEventInput, properties?: Properties): void;
  page(properties?: Properties): void;
  trackPageView(url?: string, properties?: Properties): void;
  identify(userId: string, traits?: Properties): void;
  setConsent(state: ConsentState, metadata?: Properties): void;
  flush(): Promise<void>;
  reset(): void;
  /** `Tracking.push(['track', 'signup'])`: the same call whether the script has loaded yet or not. */
  push(call: QueuedCall): void;
}

declare global {
  interface Window {
    Tracking?: TrackingGlobal | QueuedCall[];
    /** Options set by the page before the script loads; they win over the script tag's data-* attributes. */
    trackingConfig?: Partial<TrackerOptions>;
  }
}

const METHODS = ['track', 'trackEvent', 'page', 'trackPageView', 'identify', 'setConsent', 'flush', 'reset'] as const;
type Method = (typeof METHODS)[number];

/**
 * The classic-script bundle's entry (/js/tracking.js): exposes window.Tracking and initialises it
 * from window.trackingConfig and the script tag's data-* attributes. Calls made before that (an
 * array `window.Tracking = [['setConsent', 'granted']]` for an async script tag, or calls before
 * init()) are replayed in order; `Tracking.push([...])` keeps working once the script has loaded.
 */
function install(): void {
  const earlier = Array.isArray(window.Tracking) ? window.Tracking : [];
  const waiting: QueuedCall[] = [...earlier];
  let tracker: Tracker | undefined;

  const call = (method: Method, args: unknown[]): unknown => {
    if (!tracker) {
      waiting.push([method, ...args]);
      return method === 'flush' ? Promise.resolve() : undefined;
    }
    return (tracker[method] as (...values: unknown[]) => unknown).apply(tracker, args);
  };

  const global = {
    init(options: TrackerOptions): Tracker | undefined {
      if (tracker) return tracker;
      try {
        tracker = new Tracker(options);
      } catch (error) {
        // A broken snippet must not break the page: say what is wrong, track nothing.
        console.error(error);
        return undefined;
      }
      for (const [method, ...args] of waiting.splice(0)) {
        if ((METHODS as readonly string[]).includes(method)) call(method as Method, args);
      }
      return tracker;
    },
    get tracker() {
      return tracker;
    },
    push([method, ...args]: QueuedCall) {
      if ((METHODS as readonly string[]).includes(method)) void call(method as Method, args);
    },
  } as TrackingGlobal;
  for (const method of METHODS) {
    (global as unknown as Record<Method, (...args: unknown[]) => unknown>)[method] = (...args: unknown[]) => call(method, args);
  }
  window.Tracking = global;

  const script = document.currentScript instanceof HTMLScriptElement ? document.currentScript : null;
  const fromTag = script ? optionsFromDataset({ ...script.dataset }, script.src || undefined) : {};
  const options = { ...fromTag, ...window.trackingConfig };
  // Without a customer and key the page means to call Tracking.init() itself.
  if (options.customerId && (options.publishableKey ?? '') !== '') global.init(options as TrackerOptions);
}

if (typeof window !== 'undefined' && !(window.Tracking && !Array.isArray(window.Tracking))) install();
