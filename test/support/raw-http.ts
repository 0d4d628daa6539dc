import { connect } from 'node:net';

/**
 * HTTP/1.1 written byte by byte over a socket, for requests no HTTP client would send: CR/LF and NUL
 * in header values, duplicate or conflicting framing headers, invalid UTF-8, unusual methods.
 */
export interface RawRequest {
  method: string;
  /** The request-target exactly as sent: path and query, or `*`, or an absolute URI. */
  target: string;
  /** Header lines in order; duplicates stay duplicates. Buffers go out unchanged. */
  headers: Array<[string, string | Buffer]>;
  body?: Buffer;
  /** Frame the body with Transfer-Encoding: chunked instead of Content-Length. */
  chunked?: boolean;
  /** Leave out the framing header that would otherwise be added (the case sets its own, or none). */
  noFraming?: boolean;
  /** A whole hand-made request, sent instead of what the fields above describe. */
  raw?: Buffer;
  /** Half-close the connection after sending: the server then knows no more bytes will come. */
  halfClose?: boolean;
}

export interface RawAnswer {
  status: number;
  /** Lower-cased names; every value of a repeated header. */
  headers: Record<string, string[]>;
  body: Buffer;
}

export type RawOutcome = { answer: RawAnswer; failure?: undefined } | { answer?: undefined; failure: string };

const CRLF = Buffer.from('\r\n');

export function encodeRequest(hostHeader: string, request: RawRequest): Buffer {
  if (request.raw) return request.raw;
  const lines: Buffer[] = [Buffer.from(`${request.method} ${request.target} HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: close\r\n`, 'latin1')];
  for (const [name, value] of request.headers) lines.push(Buffer.from(`${name}: `, 'latin1'), Buffer.isBuffer(value) ? value : Buffer.from(value, 'latin1'), CRLF);
  const body = request.body;
  if (body && !request.noFraming) {
    lines.push(Buffer.from(request.chunked ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${body.length}\r\n`, 'latin1'));
  }
  lines.push(CRLF);
  if (body) {
    if (request.chunked) {
      for (let at = 0; at < body.length; at += 4096) {
        const chunk = body.subarray(at, at + 4096);
        lines.push(Buffer.from(`${chunk.length.toString(16)}\r\n`, 'latin1'), chunk, CRLF);
      }
      lines.push(Buffer.from('0\r\n\r\n', 'latin1'));
    } else lines.push(body);
  }
  return Buffer.concat(lines);
}

function dechunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const lineEnd = bytes.indexOf(CRLF, at);
    if (lineEnd < 0) break;
    const size = parseInt(bytes.subarray(at, lineEnd).toString('latin1').split(';')[0], 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** The final answer on a connection the server closed after it (interim 1xx answers skipped). */
export function parseResponse(bytes: Buffer): RawAnswer | undefined {
  let rest = bytes;
  for (;;) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) return undefined;
    const [statusLine, ...headerLines] = rest.subarray(0, headEnd).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
    if (!Number.isInteger(status)) return undefined;
    const headers: Record<string, string[]> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      if (colon > 0) (headers[line.slice(0, colon).trim().toLowerCase()] ??= []).push(line.slice(colon + 1).trim());
    }
    rest = rest.subarray(headEnd + 4);
    if (status >= 100 && status < 200) continue;
    const chunked = headers['transfer-encoding']?.some((value) => value.toLowerCase().includes('chunked')) ?? false;
    const length = Number(headers['content-length']?.[0]);
    const body = chunked ? dechunk(rest) : Number.isInteger(length) ? rest.subarray(0, length) : rest;
    return { status, headers, body };
  }
}

/**
 * Sends one request on a fresh connection (Connection: close) and reads until the server closes it.
 * A server that answers early (413 before the whole body) and resets the connection while the body
 * is still being written still has its answer read: the answer is what counts, not the reset.
 */
export function sendRaw(host: string, port: number, request: RawRequest, timeoutMs = 20_000): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host, port });
    let settled = false;
    const settle = (error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const answer = parseResponse(Buffer.concat(chunks));
      resolve(answer ? { answer } : { failure: error ?? 'connection closed without an answer' });
    };
    const timer = setTimeout(() => settle(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => settle(`socket error ${error.code ?? error.message}`));
    socket.on('close', () => settle());
    socket.on('connect', () => {
      const bytes = encodeRequest(`${host}:${port}`, request);
      if (request.halfClose) socket.end(bytes);
      else socket.write(bytes);
    });
  });
}

/** Runs `work` over the items with at most `limit` in flight, in order of the items. */
export async function runBounded<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
