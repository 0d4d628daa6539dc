import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DATABASE_POOL } from '@tracking/database';
import type { TokenScope } from '@tracking/customers';
import type { ConsoleRole, ConsoleSession } from './console-session';

export interface SessionLifetime {
  idleMs: number;
  maxMs: number;
}

interface SessionRow {
  id_sha256: Buffer;
  role: ConsoleRole;
  customer_id: string | null;
  token_id: string | null;
  scopes: TokenScope[];
  csrf_token: string;
}

const toSession = (row: SessionRow): ConsoleSession => ({
  idSha256: row.id_sha256,
  role: row.role,
  ...(row.customer_id === null ? {} : { customerId: row.customer_id }),
  ...(row.token_id === null ? {} : { tokenId: row.token_id }),
  scopes: row.scopes,
  csrfToken: row.csrf_token,
});

/** gateway.console_sessions: the one place console sessions live, whichever instance made them. */
@Injectable()
export class ConsoleSessionRepository {
  constructor(@Inject(DATABASE_POOL) private readonly pool: Pool) {}

  async insert(session: ConsoleSession): Promise<void> {
    await this.pool.query(
      `INSERT INTO gateway.console_sessions (id_sha256, role, customer_id, token_id, scopes, csrf_token) VALUES ($1, $2, $3, $4, $5, $6)`,
      [session.idSha256, session.role, session.customerId ?? null, session.tokenId ?? null, session.scopes, session.csrfToken],
    );
  }

  /** The live session with this id hash, its idle clock restarted; undefined when unknown or expired. */
  async touch(idSha256: Buffer, lifetime: SessionLifetime): Promise<ConsoleSession | undefined> {
    const { rows } = await this.pool.query<SessionRow>(
      `UPDATE gateway.console_sessions SET last_seen_at = now()
        WHERE id_sha256 = $1
          AND last_seen_at > now() - make_interval(secs => $2::double precision / 1000)
          AND created_at > now() - make_interval(secs => $3::double precision / 1000)
        RETURNING id_sha256, role, customer_id, token_id, scopes, csrf_token`,
      [idSha256, lifetime.idleMs, lifetime.maxMs],
    );
    return rows[0] ? toSession(rows[0]) : undefined;
  }

  async delete(idSha256: Buffer): Promise<void> {
    await this.pool.query(`DELETE FROM gateway.console_sessions WHERE id_sha256 = $1`, [idSha256]);
  }

  /** Expired sessions are refused by touch() anyway; this only keeps the table small. */
  async deleteExpired(lifetime: SessionLifetime): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM gateway.console_sessions
        WHERE last_seen_at <= now() - make_interval(secs => $1::double precision / 1000)
           OR created_at <= now() - make_interval(secs => $2::double precision / 1000)`,
      [lifetime.idleMs, lifetime.maxMs],
    );
    return rowCount ?? 0;
  }
}
