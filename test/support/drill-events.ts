/** One event a drill sends, as the gateway's track API takes it. */
export interface DrillEvent {
  event_id: string;
  event_type: string;
  event_name?: string;
  page_url: string;
  session_id: string;
  occurred_at: string;
}

export interface DrillEventTimes {
  /** The first event's occurred_at, this long before now. */
  startAgoMs: number;
  /** occurred_at steps this much from one event to the next. */
  spacingMs: number;
  /** Sessions the events take turns in. */
  sessions: number;
}

/**
 * Every third event is a page view, every other one of those under /landing/ and the rest under
 * /pricing/ (what the drills' workflows filter on). A trigger's idempotency key is session, type and
 * occurred_at, so `sessions` times `spacingMs` must exceed the clock skew the gateway corrects (a few
 * seconds under load): then no two events of a session end on the same key.
 */
export class DrillEventSource {
  private next = 0;
  private readonly base: number;

  constructor(
    readonly prefix: string,
    private readonly times: DrillEventTimes,
  ) {
    this.base = Date.now() - times.startAgoMs;
  }

  take(count: number): DrillEvent[] {
    return Array.from({ length: count }, () => {
      const index = this.next++;
      const pageView = index % 3 === 0;
      return {
        event_id: `${this.prefix}-${index}`,
        event_type: pageView ? 'page_view' : 'button_click',
        ...(pageView ? {} : { event_name: 'cta_clicked' }),
        page_url: `https://drill.example/${pageView && index % 2 === 0 ? 'landing' : 'pricing'}/${index}`,
        session_id: `${this.prefix}-s${index % this.times.sessions}`,
        occurred_at: new Date(this.base + index * this.times.spacingMs).toISOString(),
      };
    });
  }
}

/** A page view under `/<section>/`. */
export function isPageViewUnder(event: Pick<DrillEvent, 'event_type' | 'page_url'>, section: 'landing' | 'pricing'): boolean {
  return event.event_type === 'page_view' && new URL(event.page_url).pathname.startsWith(`/${section}/`);
}
