import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import * as avro from 'avsc';
import type * as Hyparquet from 'hyparquet' with { 'resolution-mode': 'import' };
import { parse as parseCsv } from 'csv-parse/sync';

/** An object of a bucket, read whole. */
export interface StoredObject {
  bucket: string;
  key: string;
  etag: string;
  body: Buffer;
}

/** Every object of a bucket under `prefix`, bodies included. */
export async function listObjects(s3: S3Client, bucket: string, prefix = ''): Promise<StoredObject[]> {
  const objects: StoredObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const entry of page.Contents ?? []) {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: entry.Key }));
      objects.push({ bucket, key: entry.Key as string, etag: entry.ETag as string, body: Buffer.from(await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()) });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

async function readParquet(body: Buffer): Promise<Array<Record<string, unknown>>> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- ES module only; see jest.config.js
  const { parquetReadObjects } = require('hyparquet') as typeof Hyparquet;
  const file = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  return parquetReadObjects({ file });
}

function readAvroContainer(body: Buffer): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const rows: Array<Record<string, unknown>> = [];
    const decoder = new avro.streams.BlockDecoder();
    decoder.on('data', (row: Record<string, unknown>) => rows.push(row)).on('end', () => resolve(rows)).on('error', reject);
    decoder.end(body);
  });
}

/** An event object's records, read back with each format's own reader (not the exporter's code). */
export async function objectRecords(key: string, body: Buffer): Promise<Array<Record<string, unknown>>> {
  const lines = (text: string) => text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
  if (key.endsWith('.jsonl.gz')) return lines(gunzipSync(body).toString('utf8'));
  if (key.endsWith('.jsonl')) return lines(body.toString('utf8'));
  if (key.endsWith('.csv.gz')) return parseCsv(gunzipSync(body), { columns: true }) as Array<Record<string, unknown>>;
  if (key.endsWith('.csv')) return parseCsv(body, { columns: true }) as Array<Record<string, unknown>>;
  if (key.endsWith('.parquet')) return readParquet(body);
  if (key.endsWith('.avro')) return readAvroContainer(body);
  throw new Error(`unexpected object ${key}`);
}

/** An object of events (not a manifest, metering record, claim or marker), site folders included. */
export const isEventObject = (key: string): boolean =>
  /\/customer=[^/]+\/(site=[^/]+\/)?dt=[^/]+\/hour=\d\d\/[^/]+\.(jsonl|jsonl\.gz|csv|csv\.gz|parquet|avro)$/.test(key) && !key.includes('/_');

/** The records of an event object; none for any other object. */
export async function eventObjectRecords(object: StoredObject): Promise<Array<Record<string, unknown>>> {
  return isEventObject(object.key) ? objectRecords(object.key, object.body) : [];
}

/**
 * Everything an object says, searchable: its bytes, decompressed where the format compresses (gzip
 * whole; Parquet pages and Avro blocks by reading the records back).
 */
export async function searchableText(object: StoredObject): Promise<string> {
  const parts = [object.body.toString('latin1')];
  if (object.key.endsWith('.gz')) parts.push(gunzipSync(object.body).toString('utf8'));
  if (isEventObject(object.key)) parts.push(JSON.stringify(await objectRecords(object.key, object.body), (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)));
  return parts.join('\n');
}
