import type { Client, Connection, Submittable } from 'pg';

/** What node-postgres's Connection offers for COPY FROM STDIN but its type declarations leave out. */
interface CopyInConnection {
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

const SEND_CHUNK_BYTES = 1024 * 1024;

/**
 * One COPY statement as a node-postgres Submittable (the protocol's CopyIn and CopyOut, which pg
 * itself leaves to pg-copy-streams): the bench needs no more than whole buffers in and out, so this
 * saves a dependency. The client calls the handle* methods as the server's messages arrive.
 */
class CopyCommand implements Submittable {
  readonly received: Buffer[] = [];
  rowCount = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly settled: Promise<void>;
  private resolve!: () => void;
  private reject!: (error: Error) => void;

  constructor(
    private readonly text: string,
    private readonly input: readonly Buffer[] = [],
  ) {
    this.settled = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  result(): Promise<void> {
    return this.settled;
  }

  submit(connection: Connection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: Connection): void {
    const copy = connection as unknown as CopyInConnection;
    for (const buffer of this.input) {
      for (let at = 0; at < buffer.length; at += SEND_CHUNK_BYTES) copy.sendCopyFromChunk(buffer.subarray(at, at + SEND_CHUNK_BYTES));
    }
    copy.endCopyFrom();
  }

  /** COPY TO sends one message per row: gathered into larger buffers so a dump is not a million small ones. */
  handleCopyData(message: { chunk: Buffer }): void {
    // A copy: the chunk is a view into the parser's buffer, which the next socket read reuses.
    this.pending.push(Buffer.from(message.chunk));
    this.pendingBytes += message.chunk.length;
    if (this.pendingBytes >= SEND_CHUNK_BYTES) this.flushPending();
  }

  handleCommandComplete(message: { text: string }): void {
    this.flushPending();
    this.rowCount = Number(/(\d+)$/.exec(message.text)?.[1] ?? 0);
  }

  handleReadyForQuery(): void {
    this.resolve();
  }

  handleError(error: Error): void {
    this.reject(error);
  }

  // Never sent for COPY; present because the client may call them on any active query.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}

  private flushPending(): void {
    if (this.pending.length === 0) return;
    this.received.push(Buffer.concat(this.pending));
    this.pending = [];
    this.pendingBytes = 0;
  }
}

/** `COPY ... TO STDOUT`: the whole output, in buffers of about a megabyte. */
export async function copyOut(client: Client, sql: string): Promise<{ data: Buffer[]; rows: number }> {
  const command = client.query(new CopyCommand(sql));
  await command.result();
  return { data: command.received, rows: command.rowCount };
}

/** `COPY ... FROM STDIN` with these bytes; resolves with the rows copied once the server has them. */
export async function copyIn(client: Client, sql: string, data: readonly Buffer[]): Promise<number> {
  const command = client.query(new CopyCommand(sql, data));
  await command.result();
  return command.rowCount;
}
