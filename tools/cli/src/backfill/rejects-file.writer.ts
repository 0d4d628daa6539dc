import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { RejectEntry, RejectsSink } from './backfill.runner';

/**
 * The rejects file: one JSON object a line (file, line, code, reason, raw), replaced on every run so
 * it always describes the last one. The raw line is kept as read (the operator's own input), except for lines dropped by privacy rules.
 */
export class RejectsFileWriter implements RejectsSink {
  private readonly stream: WriteStream;
  private failure: Error | undefined;

  private constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: 'w' });
    this.stream.on('error', (error) => (this.failure = error));
  }

  /** Opens (truncates) the file now, so an unwritable path fails before any input is read. */
  static async open(path: string): Promise<RejectsFileWriter> {
    const writer = new RejectsFileWriter(path);
    await once(writer.stream, 'open'); // rejects with the stream's error
    return writer;
  }

  write(entry: RejectEntry): void {
    if (this.failure) throw this.failure;
    this.stream.write(`${JSON.stringify(entry)}\n`);
  }

  async close(): Promise<void> {
    if (this.failure) throw this.failure;
    this.stream.end();
    await once(this.stream, 'finish');
  }
}
