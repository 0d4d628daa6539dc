import { createHash, timingSafeEqual } from 'node:crypto';

export interface BasicAuthCredentials {
  username: string;
  password: string;
}

/** Digests have one length whatever was sent, so comparing them takes the same time for every guess. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Checks an `Authorization: Basic ...` header against the one user the registry is configured with
 * (SCHEMA_REGISTRY_SERVER_USERNAME / _PASSWORD), as Confluent's registry does with basic auth on.
 * Both parts are compared, in constant time, whatever the first comparison said.
 */
export class BasicAuthCheck {
  private readonly username: Buffer;
  private readonly password: Buffer;

  constructor(credentials: BasicAuthCredentials) {
    this.username = digest(credentials.username);
    this.password = digest(credentials.password);
  }

  accepts(authorization: string | undefined): boolean {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
    const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const username = colon < 0 ? '' : decoded.slice(0, colon);
    const password = colon < 0 ? '' : decoded.slice(colon + 1);
    const userMatches = timingSafeEqual(digest(username), this.username);
    const passwordMatches = timingSafeEqual(digest(password), this.password);
    return match !== null && colon >= 0 && userMatches && passwordMatches;
  }
}
