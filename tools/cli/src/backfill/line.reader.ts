import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { NumberedLine } from './source-record';

/**
 * The lines of a file, gunzipped when it is gzip, without their `\n` or `\r\n`. `onBytes` hears of
 * every chunk read from disk (compressed bytes for .gz), which is what the progress bar's total of
 * file sizes is measured in.
 *
 * Split here rather than with node:readline so that a read or gunzip error rejects the iteration
 * (readline's iterator can end quietly instead), and so that a lone `\r` inside a line is kept.
 */
export async function* readLines(path: string, gzip: boolean, onBytes: (bytes: number) => void): AsyncGenerator<NumberedLine> {
  const file = createReadStream(path);
  file.on('data', (chunk) => onBytes(chunk.length));
  const gunzip = gzip ? createGunzip() : undefined;
  if (gunzip) {
    // pipe() does not forward errors: a failed read must fail the gunzip stream the loop reads.
    file.on('error', (error) => gunzip.destroy(error));
    file.pipe(gunzip);
  }
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let number = 0;
  try {
    for await (const chunk of gunzip ?? file) {
      pending += decoder.write(chunk as Buffer);
      let newline = pending.indexOf('\n');
      let start = 0;
      while (newline >= 0) {
        number += 1;
        yield { number, text: withoutByteOrderMark(number, stripCarriageReturn(pending.slice(start, newline))) };
        start = newline + 1;
        newline = pending.indexOf('\n', start);
      }
      pending = pending.slice(start);
    }
    pending += decoder.end();
    if (pending !== '') yield { number: number + 1, text: withoutByteOrderMark(number + 1, stripCarriageReturn(pending)) };
  } finally {
    file.destroy();
    gunzip?.destroy();
  }
}

/** Files saved by Windows tools often start with a UTF-8 byte order mark, which no parser expects. */
function withoutByteOrderMark(number: number, line: string): string {
  return number === 1 && line.startsWith('\uFEFF') ? line.slice(1) : line;
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
