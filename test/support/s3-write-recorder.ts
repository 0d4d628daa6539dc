import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One successful write (PutObject or CopyObject) the recorder saw pass, by bucket and key. */
export interface RecordedWrite {
  bucket: string;
  key: string;
  at: number;
}

export interface S3WriteRecorder {
  /** Give this to the services as their S3 endpoint (path-style, as the stack's S3 server). */
  url: string;
  /** Every write answered 2xx, in the order the server answered them. */
  writes: RecordedWrite[];
  /** Writes the server refused (e.g. 412 to a conditional write), as `status bucket/key`. */
  refused: string[];
  /** How often each bucket/key was written. */
  writesPerKey(bucket: string, keyPrefix?: string): Map<string, number>;
  close(): Promise<void>;
}

/**
 * A pass-through proxy in front of an S3 server (path-style addressing) that notes every object
 * write the server accepted. Counting at the wire, outside the exporter, tells whether an object was
 * written twice however the exporter counts (its metrics die with a killed process) and whether the
 * bucket keeps versions. The stack's S3Proxy checks no signature, so forwarding as is works; the
 * Host header is passed unchanged for servers that do.
 */
export async function startS3WriteRecorder(upstream: string): Promise<S3WriteRecorder> {
  const target = new URL(upstream);
  const writes: RecordedWrite[] = [];
  const refused: string[] = [];
  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const url = new URL(incoming.url ?? '/', 'http://recorder');
    const [, bucket = '', ...keyParts] = url.pathname.split('/');
    const key = decodeURIComponent(keyParts.join('/'));
    // A part of a multipart upload is not an object; the object is written by its completion (POST).
    const isWrite = (incoming.method === 'PUT' && key !== '' && !url.searchParams.has('partNumber')) || (incoming.method === 'POST' && url.searchParams.has('uploadId'));
    const forwarded = httpRequest(
      { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        const status = answer.statusCode ?? 0;
        if (isWrite && status >= 200 && status < 300) writes.push({ bucket, key, at: Date.now() });
        else if (isWrite) refused.push(`${status} ${bucket}/${key}`);
        outgoing.writeHead(status, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => {
      if (!outgoing.headersSent) outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    writes,
    refused,
    writesPerKey: (bucket, keyPrefix = '') => {
      const counts = new Map<string, number>();
      for (const write of writes) if (write.bucket === bucket && write.key.startsWith(keyPrefix)) counts.set(write.key, (counts.get(write.key) ?? 0) + 1);
      return counts;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
