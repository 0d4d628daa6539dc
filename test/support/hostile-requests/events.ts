import type { World } from './drill-case';
import { LEGAL_ODD_NUMBERS, LEGAL_ODD_STRINGS, OUT_OF_RANGE_NUMBERS, hostileValue } from './hostile-values';
import { Entries, RawJson, nestedArrays, nestedObjects, toJson, type Json } from './json-text';
import type { Prng } from './prng';

// Events: a legal (if odd) event, then rules broken on purpose.

/** Lone surrogates cannot be percent-encoded: they stay in strings, not in URLs. */
function pathSegment(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return 'lone-surrogate';
  }
}

export function legalEvent(rng: Prng, world: World): Entries {
  const event = new Entries();
  event.set('event_type', rng.pick(['page_view', 'search', 'cart_action', 'custom.evt-1:x', 'feature_usage']));
  if (rng.chance(0.7)) event.set('page_url', `${world.a.origin}/${pathSegment(rng.pick(LEGAL_ODD_STRINGS))}?q=${rng.hex(4)}`);
  const data = new Entries();
  for (let i = rng.int(5); i > 0; i--) {
    data.set(
      rng.pick(['plan', 'q', 'sku', rng.pick(LEGAL_ODD_STRINGS).slice(0, 40), `k${i}`]),
      rng.chance(0.3) ? new RawJson(rng.pick(LEGAL_ODD_NUMBERS)) : rng.chance(0.2) ? [rng.pick(LEGAL_ODD_STRINGS), null, true] : rng.pick(LEGAL_ODD_STRINGS),
    );
  }
  if (rng.chance(0.2)) data.set('nested', nestedObjects(1 + rng.int(6)));
  event.set(rng.chance(0.8) ? 'event_data' : 'properties', data);
  if (rng.chance(0.7)) event.set('session_id', rng.pick(LEGAL_ODD_STRINGS));
  if (rng.chance(0.4)) event.set('visitor_id', rng.pick(LEGAL_ODD_STRINGS));
  if (rng.chance(0.4)) event.set('event_name', rng.pick(LEGAL_ODD_STRINGS));
  if (rng.chance(0.5)) event.set('occurred_at', world.recentIso());
  if (rng.chance(0.5)) event.set('consent_state', 'granted');
  return event;
}

/** Keys that are never fields of an event: any one of them makes the event invalid, whatever else it holds. */
const UNKNOWN_KEYS = ['__proto__', 'constructor', 'prototype', '', '\u0000', 'EVENT_TYPE', 'event_type ', 'event\u200btype', 'constructor.prototype', '\ud800', 'x'.repeat(5000)];

/** Adds a key no event has: invalid whatever byte-level damage is done to the rest. */
function breakRobustly(rng: Prng, event: Entries): string {
  const key = rng.chance(0.5) ? rng.pick(UNKNOWN_KEYS) : `zz_${rng.hex(6)}`;
  event.pairs.splice(rng.int(event.pairs.length + 1), 0, [key, hostileValue(rng)]);
  return `unknown key ${JSON.stringify(key.slice(0, 20))}`;
}

/** Breaks one rule of one field; the event stays invalid as long as its bytes are sent unchanged. */
function breakOneRule(rng: Prng, event: Entries, world: World): string {
  const data = (): Entries => {
    const existing = event.pairs.find(([key]) => key === 'event_data')?.[1];
    if (existing instanceof Entries) return existing;
    event.remove('properties');
    const created = new Entries();
    event.set('event_data', created);
    return created;
  };
  const rules: Array<[string, () => void]> = [
    ['missing event_type', () => event.remove('event_type')],
    ['event_type wrong type', () => event.set('event_type', rng.pick<Json>([42, true, [], new Entries(), new RawJson('1e309'), ['page_view']]))],
    ['event_type pattern', () => event.set('event_type', rng.pick(['1page', 'page view', 'p'.repeat(51), 'page\u0000view', '\u202epage_view', 'page_view\u200b', 'ページ']))],
    ['page_url not a URL', () => event.set('page_url', rng.pick(['not a url', 'javascript:alert(1)', 'data:text/html,<b>x</b>', 'file:///etc/passwd', '//no-scheme.example/x', 'https://', `https://x.example/${'a'.repeat(2100)}`]))],
    ['page_url wrong type', () => event.set('page_url', rng.pick<Json>([1, false, [world.a.origin], new Entries([['href', world.a.origin]])]))],
    ['page_url control characters', () => event.set('page_url', `${world.a.origin}/a\r\nSet-Cookie: x=1`)],
    ['referrer not http', () => event.set('referrer', rng.pick(['ftp://files.example/x', 'mailto:a@b.example', 'chrome://settings']))],
    ['blank session_id', () => event.set('session_id', rng.pick(['', '   ', '\t']))],
    ['session_id too long', () => event.set('session_id', 's'.repeat(256 + rng.int(5000)))],
    ['session_id control character', () => event.set('session_id', rng.pick(['a\u0000b', 'a\u0007b', 'a\u001b[31mb', 'a\u007fb']))],
    ['session_id wrong type', () => event.set('session_id', rng.pick<Json>([-0, new RawJson('-0'), new RawJson('18446744073709551616'), new RawJson('1e309'), [], new Entries()]))],
    ['event_id pattern', () => event.set('event_id', rng.pick(['has space', '-leading', 'é', 'e'.repeat(129), '../x']))],
    ['consent_state value', () => event.set('consent_state', rng.pick<Json>(['maybe', 'GRANTED', 1, true]))],
    ['occurred_at too old', () => event.set('occurred_at', '2001-01-01T00:00:00Z')],
    ['occurred_at in the future', () => event.set('occurred_at', '2999-01-01T00:00:00Z')],
    ['occurred_at format', () => event.set('occurred_at', rng.pick<Json>(['yesterday', '2024-13-45T99:99:99Z', 1_700_000_000_000, 'NaN', '']))],
    ['sent_at format', () => event.set('sent_at', rng.pick<Json>(['now', 0, new RawJson('-0'), new RawJson('1e309')]))],
    ['page_url and url both', () => event.set('page_url', `${world.a.origin}/a`).set('url', `${world.a.origin}/b`)],
    ['event_data and properties both', () => event.set('event_data', new Entries()).set('properties', new Entries())],
    ['event_name too long', () => event.set('event_name', 'n'.repeat(256))],
    ['event_data not an object', () => event.remove('properties').set('event_data', rng.pick<Json>([[], 'text', 5, true, nestedArrays(3)]))],
    ['event_data __proto__ key', () => void data().set('__proto__', new Entries([['polluted', true]]))],
    ['event_data constructor.prototype', () => void data().set('constructor', new Entries([['prototype', new Entries([['polluted', true]])]]))],
    ['event_data deep', () => void data().set('deep', rng.chance(0.5) ? nestedObjects(rng.pick([11, 50, 10_000])) : nestedArrays(rng.pick([11, 50, 10_000])))],
    ['event_data NUL', () => void data().set('note', 'before\u0000after')],
    ['event_data NUL key', () => void data().set('k\u0000ey', 1)],
    ['event_data infinity', () => void data().set('huge', new RawJson(rng.pick(OUT_OF_RANGE_NUMBERS)))],
    ['event_data over 16 KB', () => void data().set('blob', 'b'.repeat(17_000 + rng.int(20_000)))],
  ];
  const [name, apply] = rng.pick(rules);
  apply();
  return name;
}

/**
 * A broken event. With `robust`, the damage survives any byte-level corruption of the body. With
 * `maxChars`, one small enough to go into a batch by the hundred (the big ones are tried alone).
 */
export function brokenEvent(rng: Prng, world: World, robust: boolean, maxChars = Infinity): { event: Entries; kinds: string[] } {
  for (let attempt = 0; attempt < 20; attempt++) {
    const event = legalEvent(rng, world);
    const kinds = [robust || rng.chance(0.3) ? breakRobustly(rng, event) : breakOneRule(rng, event, world)];
    if (rng.chance(0.35)) kinds.push(breakOneRule(rng, event, world));
    if (toJson(event).length <= maxChars) return { event, kinds };
  }
  return { event: new Entries([['event_type', 'page_view'], [`zz_${rng.hex(6)}`, 1]]), kinds: ['unknown key'] };
}
