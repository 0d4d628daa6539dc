/** The browser SDK's rolling session window (seed 002): a session ends after 30 minutes without a request. */
export const SESSION_INACTIVITY_MS = 30 * 60_000;

/** Makes the id of a visitor's session that started at `startedAt`; must be deterministic. */
export type SessionIdFactory = (visitorKey: string, startedAt: number) => string;

interface OpenSession {
  id: string;
  lastSeen: number;
}

/** How often idle sessions are forgotten, so a log of millions of visitors does not keep them all. */
const SWEEP_EVERY = 10_000;

/**
 * Sessions for server-side history, cut the way the browser SDK cuts them: one visitor's requests
 * (in a log: same address and user agent) belong to one session until 30 minutes pass without one.
 * The id depends only on the visitor and the time of the session's first request, so reading the
 * same logs again in the same order gives the same ids.
 *
 * Logs are written when a response completes while `%t` is when the request arrived, so lines can be
 * slightly out of order: a request up to the window before the session's last one still belongs to it.
 */
export class Sessionizer {
  private readonly open = new Map<string, OpenSession>();
  private calls = 0;
  private latest = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly sessionId: SessionIdFactory,
    private readonly inactivityMs = SESSION_INACTIVITY_MS,
  ) {}

  sessionFor(visitorKey: string, at: number): string {
    this.latest = Math.max(this.latest, at);
    this.sweep();
    const session = this.open.get(visitorKey);
    if (session && Math.abs(at - session.lastSeen) <= this.inactivityMs) {
      session.lastSeen = Math.max(session.lastSeen, at);
      return session.id;
    }
    const id = this.sessionId(visitorKey, at);
    // A request from long before the open session is a session of its own, but must not end the open one.
    if (!session || at > session.lastSeen) this.open.set(visitorKey, { id, lastSeen: at });
    return id;
  }

  private sweep(): void {
    this.calls += 1;
    if (this.calls % SWEEP_EVERY !== 0) return;
    for (const [key, session] of this.open) {
      if (this.latest - session.lastSeen > 2 * this.inactivityMs) this.open.delete(key);
    }
  }
}
