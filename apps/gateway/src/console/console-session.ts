import type { TokenScope } from '@tracking/customers';

export const CONSOLE_ROLES = ['customer', 'operator'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

/** A signed-in console user as the server keeps it; the session id itself is never stored. */
export interface ConsoleSession {
  idSha256: Buffer;
  role: ConsoleRole;
  /** The tenant of a customer session; an operator names one per request. */
  customerId?: string;
  /** The customer token that signed in: its removal or loss of `read` ends the session. */
  tokenId?: string;
  scopes: readonly TokenScope[];
  csrfToken: string;
}

/** What GET and POST /console/api/session answer. */
export interface ConsoleSessionAnswer {
  role: ConsoleRole;
  customer_id?: string;
  scopes: readonly TokenScope[];
  csrf_token: string;
}

export function sessionAnswer(session: ConsoleSession): ConsoleSessionAnswer {
  return {
    role: session.role,
    ...(session.customerId === undefined ? {} : { customer_id: session.customerId }),
    scopes: session.scopes,
    csrf_token: session.csrfToken,
  };
}
