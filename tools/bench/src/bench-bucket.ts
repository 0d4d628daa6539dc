import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { LOCAL_S3_CREDENTIALS } from '@tools/local-stack/local-s3';

export interface StoredObject {
  key: string;
  body: Buffer;
}

/** Runs `task` over `items` with at most `concurrency` in flight. */
async function eachLimited<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/**
 * A bucket of the bench on the stack's S3 endpoint, with a client configured as the exporter's
 * (path-style, checksums only where required, the same credentials): what the exporter wrote is
 * read back through it, and the PutObject baseline writes through it.
 */
export class BenchBucket {
  private readonly client: S3Client;

  constructor(
    endpoint: string,
    readonly name: string,
  ) {
    this.client = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: LOCAL_S3_CREDENTIALS,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async create(): Promise<void> {
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.name }));
    } catch (error) {
      const name = (error as Error).name;
      if (name !== 'BucketAlreadyExists' && name !== 'BucketAlreadyOwnedByYou') throw error;
    }
  }

  async keys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.name, Prefix: prefix, ContinuationToken: token }));
      for (const entry of page.Contents ?? []) if (entry.Key) keys.push(entry.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async read(keys: readonly string[], concurrency: number): Promise<StoredObject[]> {
    const objects: StoredObject[] = [];
    await eachLimited(keys, concurrency, async (key) => {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.name, Key: key }));
      objects.push({ key, body: Buffer.from((await answer.Body?.transformToByteArray()) ?? []) });
    });
    return objects;
  }

  /** One PutObject per object, `concurrency` at a time; resolves once all are stored. */
  async write(objects: readonly StoredObject[], concurrency: number): Promise<void> {
    await eachLimited(objects, concurrency, async (object) => {
      await this.client.send(new PutObjectCommand({ Bucket: this.name, Key: object.key, Body: object.body }));
    });
  }

  async deletePrefix(prefix: string): Promise<void> {
    const keys = await this.keys(prefix);
    for (let at = 0; at < keys.length; at += 1000) {
      await this.client.send(new DeleteObjectsCommand({ Bucket: this.name, Delete: { Objects: keys.slice(at, at + 1000).map((Key) => ({ Key })) } }));
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}
