import type { Pool, PoolClient } from 'pg';
import { tenantHashKey } from '@tracking/contracts';
import { STAGED_EVENTS } from '@tracking/vault-schema';

export interface SubjectIdentifiers {
  visitorId?: string | null;
  userId?: string | null;
  /** More ids to start from (a request read back from privacy.erasures.v1, its hashes resolved). */
  visitorIds?: readonly string[];
  userIds?: readonly string[];
}

/** Everything the vault links to a subject: ids as the events carried them. */
export interface LinkedSubjects {
  visitors: string[];
  users: string[];
  sessions: string[];
  eventIds: string[];
}

/** Rounds of the fixpoint: a person seen on more devices and accounts than this is rare; the rounds bound the cost. */
const MAX_ROUNDS = 5;

/**
 * The person's events, and through them every visitor (device) and user id they were seen with,
 * and the events of those, until nothing new turns up (at most MAX_ROUNDS rounds). Read-only: the
 * erasure and the access request both start from it.
 */
export async function linkedSubjects(client: Pool | PoolClient, customerId: string, subject: SubjectIdentifiers): Promise<LinkedSubjects> {
  type StagedIds = { event_id: string; session_id: string | null; visitor_id: string | null; user_id: string | null };
  const tenantHk = tenantHashKey(customerId);
  let visitors = distinct([subject.visitorId, ...(subject.visitorIds ?? [])]);
  let users = distinct([subject.userId, ...(subject.userIds ?? [])]);
  let events: StagedIds[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    ({ rows: events } = await client.query<StagedIds>(
      `SELECT event_id, session_id, visitor_id, user_id FROM ${STAGED_EVENTS.table}
        WHERE tenant_hk = $1 AND (visitor_id = ANY($2) OR user_id = ANY($3))`,
      [tenantHk, visitors, users],
    ));
    const moreVisitors = distinct([...visitors, ...events.map((event) => event.visitor_id)]);
    const moreUsers = distinct([...users, ...events.map((event) => event.user_id)]);
    if (moreVisitors.length === visitors.length && moreUsers.length === users.length) break;
    visitors = moreVisitors;
    users = moreUsers;
  }
  return { visitors, users, sessions: distinct(events.map((event) => event.session_id)), eventIds: events.map((event) => event.event_id) };
}

function distinct(values: Array<string | null | undefined>): string[] {
  return [...new Set(values.filter((value): value is string => typeof value === 'string'))];
}
