import type { TrackingEvent } from './tracking-event';

/** Where a business item's id may sit in event_data, and the type it names. */
const ITEM_FIELDS: ReadonlyArray<[field: string, type: string]> = [
  ['item_id', 'ITEM'],
  ['product_id', 'PRODUCT'],
  ['sku', 'PRODUCT'],
  ['article_id', 'ARTICLE'],
  ['content_id', 'CONTENT'],
  ['service_id', 'SERVICE'],
];

/** The page a URL names: host and path, no scheme, query or fragment, no trailing slash. */
export function pageBusinessKey(pageUrl: string | null): string | null {
  if (!pageUrl) return null;
  try {
    const url = new URL(pageUrl);
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : '/';
    return `${url.hostname.toLowerCase()}${path}`;
  } catch {
    return null;
  }
}

/** `PRODUCT:skincare_set_organic_001`: typed, so a product and an article with the same id stay apart. */
export function businessItemKey(eventData: Record<string, unknown>): string | null {
  for (const [field, type] of ITEM_FIELDS) {
    const value = eventData[field];
    if ((typeof value === 'string' && value.trim() !== '') || typeof value === 'number') return `${type}:${String(value).trim()}`;
  }
  return null;
}

export function parseEventData(event: Pick<TrackingEvent, 'event_data'>): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(event.event_data);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
