import type { KeyValueStore } from './storage';
import { parseSessionUtm, sessionAttribution, type Utm } from './utm';

/** Seed 002's names and lifetimes: the visitor for a year, the session for 30 minutes of inactivity. */
export const VISITOR_KEY = 'cp_track_id';
export const SESSION_KEY = 'cp_session_id';
export const USER_KEY = 'cp_user_id';
export const UTM_KEY = 'cp_utm';
export const VISITOR_TTL_SECONDS = 365 * 24 * 60 * 60;
export const SESSION_TTL_SECONDS = 30 * 60;

export interface Ids {
  visitorId: string;
  sessionId: string;
  /** True when this activity started the session (first event, or after 30 idle minutes). */
  newSession: boolean;
}

/**
 * Visitor, session and user ids, and the session's campaign. Until the visitor consents they live
 * in this page's memory only: an identifier in a cookie is itself non-essential storage. Once
 * persistence is on, every activity re-writes them, which is what makes the session roll: the
 * cookie (or stored deadline) expires 30 minutes after the last activity in any tab.
 */
export class IdentityStore {
  private visitor: string | undefined;
  private session: { id: string; lastActivity: number } | undefined;
  private user: string | undefined;
  private memoryUtm: string | undefined;
  private persisting = false;

  constructor(
    private readonly storage: KeyValueStore,
    private readonly newId: () => string,
    private readonly now: () => number,
  ) {}

  get persistent(): boolean {
    return this.persisting;
  }

  /** Consent granted: adopt what another tab may already have stored, else store this page's ids. */
  enablePersistence(): void {
    this.persisting = true;
    this.visitor = this.storage.get(VISITOR_KEY) ?? this.visitor;
    this.user = this.storage.get(USER_KEY) ?? this.user;
    const stored = this.storage.get(SESSION_KEY);
    if (stored) this.session = { id: stored, lastActivity: this.now() };
    if (this.visitor) this.storage.set(VISITOR_KEY, this.visitor, VISITOR_TTL_SECONDS);
    if (this.session) this.storage.set(SESSION_KEY, this.session.id, SESSION_TTL_SECONDS);
    if (this.user) this.storage.set(USER_KEY, this.user, VISITOR_TTL_SECONDS);
    if (this.memoryUtm && !this.storage.get(UTM_KEY)) this.storage.set(UTM_KEY, this.memoryUtm, SESSION_TTL_SECONDS);
  }

  /** Consent denied or withdrawn: nothing identifying stays in the browser's storage. */
  disablePersistence(): void {
    this.persisting = false;
    for (const key of [VISITOR_KEY, SESSION_KEY, USER_KEY, UTM_KEY]) this.storage.remove(key);
  }

  /** Records activity now: the ids to stamp on an event, with the session rolled forward. */
  touch(): Ids {
    const now = this.now();
    const storedVisitor = this.persisting ? this.storage.get(VISITOR_KEY) : undefined;
    const visitorId = storedVisitor ?? this.visitor ?? this.newId();
    // Another tab's activity shows in storage; this page's own shows in memory.
    const storedSession = this.persisting ? this.storage.get(SESSION_KEY) : undefined;
    const ownSession = this.session && now - this.session.lastActivity < SESSION_TTL_SECONDS * 1000 ? this.session.id : undefined;
    const existing = storedSession ?? ownSession;
    const sessionId = existing ?? this.newId();
    this.visitor = visitorId;
    this.session = { id: sessionId, lastActivity: now };
    if (this.persisting) {
      this.storage.set(VISITOR_KEY, visitorId, VISITOR_TTL_SECONDS);
      this.storage.set(SESSION_KEY, sessionId, SESSION_TTL_SECONDS);
    }
    return { visitorId, sessionId, newSession: existing === undefined };
  }

  get userId(): string | undefined {
    return (this.persisting ? this.storage.get(USER_KEY) : undefined) ?? this.user;
  }

  setUserId(userId: string): void {
    this.user = userId;
    if (this.persisting) this.storage.set(USER_KEY, userId, VISITOR_TTL_SECONDS);
  }

  /**
   * The campaign to attribute this page view to: the page's own UTM parameters, else those the
   * session started with. Kept in storage beside the session (shared across tabs), bound to the
   * session id so that a new session starts unattributed.
   */
  attribution(pageUtm: Utm | undefined, sessionId: string): Utm | undefined {
    const stored = parseSessionUtm((this.persisting ? this.storage.get(UTM_KEY) : undefined) ?? this.memoryUtm);
    const current = sessionAttribution(pageUtm, stored, sessionId);
    if (!current) return undefined;
    this.memoryUtm = JSON.stringify(current);
    // Re-written with every page view, so it lives exactly as long as the session it belongs to.
    if (this.persisting) this.storage.set(UTM_KEY, this.memoryUtm, SESSION_TTL_SECONDS);
    return current.utm;
  }

  /**
   * Continues the visitor and session another of the customer's domains started (a cross-domain
   * link): they replace this domain's own, as the visit moved here.
   */
  adopt(visitorId: string, sessionId: string): void {
    this.visitor = visitorId;
    this.session = { id: sessionId, lastActivity: this.now() };
    if (this.persisting) {
      this.storage.set(VISITOR_KEY, visitorId, VISITOR_TTL_SECONDS);
      this.storage.set(SESSION_KEY, sessionId, SESSION_TTL_SECONDS);
    }
  }

  /** A new visitor (e.g. after logout on a shared computer): fresh ids, no user. */
  reset(): void {
    this.visitor = undefined;
    this.session = undefined;
    this.user = undefined;
    this.memoryUtm = undefined;
    for (const key of [VISITOR_KEY, SESSION_KEY, USER_KEY, UTM_KEY]) this.storage.remove(key);
  }
}
