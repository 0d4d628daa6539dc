import { MAX_BATCH } from './event.queue';
import type { BehaviourFeature, StorageKind, TrackerOptions } from './types';

/** Every option with its default filled in. */
export type ResolvedOptions = Required<Omit<TrackerOptions, 'cookieDomain' | 'redactQueryParameters' | 'behaviour' | 'linkDomains'>> & {
  cookieDomain: string | undefined;
  redactQueryParameters: string[];
  linkDomains: string[];
  behaviour: BehaviourFeature[];
};

const BEHAVIOUR_FEATURES: readonly BehaviourFeature[] = ['scroll', 'clicks', 'forms', 'visibility'];
const STORAGE_KINDS: readonly StorageKind[] = ['cookie', 'localStorage', 'memory'];
/** Prefixes of the platform's secret credentials: a page must never hold one. */
const SECRET_PREFIXES = ['sk_', 'ovt_'];

/**
 * Options with defaults, checked once; a page with a wrong snippet gets one error that names every
 * bad option rather than a tracker that quietly sends nothing.
 */
export function resolveOptions(options: TrackerOptions): ResolvedOptions {
  const problems: string[] = [];
  const text = (name: keyof TrackerOptions, value: unknown): string => {
    if (typeof value !== 'string' || value.trim() === '') problems.push(`${name} is required`);
    return typeof value === 'string' ? value.trim() : '';
  };
  const count = (name: keyof TrackerOptions, value: unknown, fallback: number, min: number, max: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) problems.push(`${name} must be a number from ${min} to ${max}`);
    return typeof value === 'number' ? Math.min(max, Math.max(min, value)) : fallback;
  };

  const customerId = text('customerId', options.customerId);
  const publishableKey = text('publishableKey', options.publishableKey);
  if (SECRET_PREFIXES.some((prefix) => publishableKey.startsWith(prefix))) {
    problems.push('publishableKey is a secret token: use a publishable key (pk_...) and revoke that token');
  }
  const endpoint = text('endpoint', options.endpoint);
  if (endpoint && !/^https?:\/\//.test(endpoint)) problems.push('endpoint must be an http(s) URL such as https://collect.example.com');

  let behaviour: BehaviourFeature[] = [];
  if (options.behaviour === true) behaviour = [...BEHAVIOUR_FEATURES];
  else if (Array.isArray(options.behaviour)) {
    const unknown = options.behaviour.filter((feature) => !BEHAVIOUR_FEATURES.includes(feature));
    if (unknown.length > 0) problems.push(`behaviour has unknown features ${unknown.join(', ')} (known: ${BEHAVIOUR_FEATURES.join(', ')})`);
    behaviour = options.behaviour.filter((feature) => BEHAVIOUR_FEATURES.includes(feature));
  }
  const storage = options.storage ?? 'cookie';
  if (!STORAGE_KINDS.includes(storage)) problems.push(`storage must be one of ${STORAGE_KINDS.join(', ')}`);

  const resolved: ResolvedOptions = {
    customerId,
    publishableKey,
    endpoint,
    requireConsent: options.requireConsent ?? true,
    respectDoNotTrack: options.respectDoNotTrack ?? false,
    autoPageViews: options.autoPageViews ?? true,
    behaviour,
    redactQueryParameters: options.redactQueryParameters ?? [],
    storage,
    cookieDomain: options.cookieDomain,
    linkDomains: options.linkDomains ?? [],
    flushAt: count('flushAt', options.flushAt, 10, 1, MAX_BATCH),
    flushIntervalMs: count('flushIntervalMs', options.flushIntervalMs, 1000, 0, 60_000),
    retryBaseDelayMs: count('retryBaseDelayMs', options.retryBaseDelayMs, 1000, 1, 60_000),
    retryMaxDelayMs: count('retryMaxDelayMs', options.retryMaxDelayMs, 60_000, 1, 3_600_000),
    debug: options.debug ?? false,
  };
  if (problems.length > 0) throw new TypeError(`Tracking: invalid options: ${problems.join('; ')}`);
  return resolved;
}

const BOOLEAN_TEXT: Record<string, boolean> = { '': true, true: true, '1': true, yes: true, false: false, '0': false, no: false };

/**
 * Options from a script tag's data-* attributes (`data-customer-id`, `data-key`, ...), read as
 * `dataset` gives them. The endpoint defaults to where the script came from: the gateway serves it.
 */
export function optionsFromDataset(dataset: Record<string, string | undefined>, scriptSrc: string | undefined): Partial<TrackerOptions> {
  const flag = (name: string): boolean | undefined => {
    const value = dataset[name];
    return value === undefined ? undefined : BOOLEAN_TEXT[value.trim().toLowerCase()];
  };
  const list = (name: string): string[] | undefined =>
    dataset[name]?.split(',').map((item) => item.trim()).filter((item) => item !== '');
  const number = (name: string): number | undefined => (dataset[name] === undefined ? undefined : Number(dataset[name]));
  let endpoint = dataset['endpoint'];
  if (!endpoint && scriptSrc) {
    try {
      endpoint = new URL(scriptSrc).origin;
    } catch {
      endpoint = undefined;
    }
  }
  const behaviourFlag = flag('behaviour');
  const options: Partial<TrackerOptions> = {
    customerId: dataset['customerId'],
    publishableKey: dataset['key'] ?? dataset['publishableKey'],
    endpoint,
    requireConsent: flag('requireConsent'),
    respectDoNotTrack: flag('respectDnt') ?? flag('respectDoNotTrack'),
    autoPageViews: flag('autoPageViews'),
    behaviour: behaviourFlag ?? (list('behaviour') as BehaviourFeature[] | undefined),
    redactQueryParameters: list('redact'),
    storage: dataset['storage'] as StorageKind | undefined,
    cookieDomain: dataset['cookieDomain'],
    linkDomains: list('linkDomains'),
    flushAt: number('flushAt'),
    flushIntervalMs: number('flushIntervalMs'),
    debug: flag('debug'),
  };
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<TrackerOptions>;
}
