import { randomUUID } from 'node:crypto';

/** What an instance announces to the exporter group, so the others can reach its operations API. */
interface Announcement {
  id: string;
  port: number;
}

/**
 * This exporter process among the group's members: an id of its own, and the port of its HTTP API.
 * The announcement travels with its group subscription (the assignor's user data); the host is the
 * address the group coordinator sees the member connect from.
 */
export class ExporterInstance {
  readonly id = randomUUID();

  constructor(readonly port: number) {}

  announcement(): Buffer {
    return Buffer.from(JSON.stringify({ id: this.id, port: this.port } satisfies Announcement), 'utf8');
  }

  /** The instance a group member's user data announces, and its API's base URL; undefined for anything else. */
  static fromMember(userData: Buffer, clientHost: string): { id: string; url: string } | undefined {
    let announced: Partial<Announcement>;
    try {
      announced = JSON.parse(userData.toString('utf8')) as Partial<Announcement>;
    } catch {
      return undefined;
    }
    if (typeof announced.id !== 'string' || typeof announced.port !== 'number') return undefined;
    const host = clientHost.replace(/^\//, '');
    return { id: announced.id, url: `http://${host.includes(':') ? `[${host}]` : host}:${announced.port}` };
  }
}
