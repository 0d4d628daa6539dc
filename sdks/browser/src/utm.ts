/** Campaign parameters kept for the whole session (seed 002), so later pages are attributed too. */
export const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;
export type UtmKey = (typeof UTM_KEYS)[number];
export type Utm = Partial<Record<UtmKey, string>>;

/** The gateway keeps at most 255 characters of each. */
const MAX_LENGTH = 255;

/** The UTM parameters of a URL, or undefined when it has none. */
export function extractUtm(raw: string): Utm | undefined {
  let params: URLSearchParams;
  try {
    params = new URL(raw).searchParams;
  } catch {
    return undefined;
  }
  const utm: Utm = {};
  let found = false;
  for (const key of UTM_KEYS) {
    const value = params.get(key)?.trim();
    // The URL given is the redacted one: a parameter the site had redacted is no campaign.
    if (value && value !== 'REDACTED') {
      utm[key] = value.slice(0, MAX_LENGTH);
      found = true;
    }
  }
  return found ? utm : undefined;
}

/** What is stored beside the session: the campaign belongs to that session only. */
export interface SessionUtm {
  sessionId: string;
  utm: Utm;
}

/**
 * The campaign of this page view: a URL that carries UTM parameters starts a new attribution
 * (the visitor came back through another campaign); otherwise the session's own, if any.
 */
export function sessionAttribution(pageUtm: Utm | undefined, stored: SessionUtm | undefined, sessionId: string): SessionUtm | undefined {
  if (pageUtm) return { sessionId, utm: pageUtm };
  return stored?.sessionId === sessionId ? stored : undefined;
}

export function parseSessionUtm(raw: string | undefined): SessionUtm | undefined {
  if (!raw) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return undefined;
    const { sessionId, utm } = value as { sessionId?: unknown; utm?: unknown };
    if (typeof sessionId !== 'string' || typeof utm !== 'object' || utm === null) return undefined;
    const clean: Utm = {};
    for (const key of UTM_KEYS) {
      const entry = (utm as Record<string, unknown>)[key];
      if (typeof entry === 'string') clean[key] = entry.slice(0, MAX_LENGTH);
    }
    return { sessionId, utm: clean };
  } catch {
    return undefined;
  }
}
