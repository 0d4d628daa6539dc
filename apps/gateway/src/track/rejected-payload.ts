/** Deep enough for any event the gateway accepts (TRACKING_MAX_JSON_DEPTH is at most 64), shallow enough to serialise. */
const MAX_RECORDED_DEPTH = 64;

/** The request body as sent, as JSON text for its bad-row record, cut to `maxChars`. */
export function rejectedPayload(body: unknown, maxChars: number): { payload: string; truncated: boolean } {
  let text: string;
  let cut = false;
  try {
    text = JSON.stringify(body) ?? 'null';
  } catch {
    // JSON.stringify recurses: a body nested thousands of levels deep (a 64 KB body holds 30,000)
    // overflows the stack. Such a body is recorded down to a depth, and said to be cut.
    text = JSON.stringify(shallow(body, MAX_RECORDED_DEPTH)) ?? 'null';
    cut = true;
  }
  return { payload: text.slice(0, maxChars), truncated: cut || text.length > maxChars };
}

function shallow(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth === 0) return '…';
  if (Array.isArray(value)) return value.map((item) => shallow(item, depth - 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shallow(item, depth - 1)]));
}
