import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createBuckets } from '@tools/local-stack/example-buckets';
import { LocalS3, S3PROXY_VERSION } from '@tools/local-stack/local-s3';
import { Progress } from '@tools/local-stack/progress';
import { stackPaths } from '@tools/local-stack/stack-paths';
import { freePort } from '@test/support/free-port';

/**
 * The stack's own S3 server (S3Proxy), started as `stack:up` starts it but in a directory and on a
 * port of its own, so the shared server is not touched. The jars come from the stack's cache when
 * it has them, else they are resolved into the test's directory.
 */
describe('local S3 server (S3Proxy)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'local-s3-'));
  const cached = stackPaths(process.env['STACK_DIR']).s3Libs;
  const paths = { ...stackPaths(dir), ...(existsSync(join(cached, `libs-${S3PROXY_VERSION}`, '.complete')) ? { s3Libs: cached } : {}) };
  let server: LocalS3;
  let port: number;
  const lines: string[] = [];
  const progress = Object.assign(new Progress(true), { step: (line: string) => void lines.push(line) });
  const client = (accessKeyId: string) =>
    new S3Client({ endpoint: server.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey: `${accessKeyId}-secret` } });

  beforeAll(async () => {
    port = await freePort();
    mkdirSync(paths.logs, { recursive: true });
    server = new LocalS3(paths, { host: '127.0.0.1', port }, progress);
    expect(await server.up()).toBe('started');
  }, 300_000);

  afterAll(async () => {
    await server?.down();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says what it starts, and is left running by a second up', async () => {
    expect(lines.some((line) => line.includes(`starting S3Proxy`) && line.includes(`:${port}`))).toBe(true);
    expect(await server.up()).toBe('running');
  });

  it('creates the example buckets once, then reports them as existing, with data under the stack directory', async () => {
    expect(await createBuckets(server.url, ['it-local-s3-a', 'it-local-s3-b'])).toEqual([
      { bucket: 'it-local-s3-a', action: 'created' },
      { bucket: 'it-local-s3-b', action: 'created' },
    ]);
    expect(await createBuckets(server.url, ['it-local-s3-a'])).toEqual([{ bucket: 'it-local-s3-a', action: 'exists' }]);
    expect(existsSync(join(server.bucketsDir, 'it-local-s3-a'))).toBe(true);
  });

  it('accepts any access key, checks Content-MD5, and pages listings with continuation tokens', async () => {
    const [first, second] = [client('first-key'), client('another-key')];
    try {
      for (let index = 0; index < 5; index++) {
        const body = Buffer.from(`object ${index}`);
        const md5 = createHash('md5').update(body);
        const put = await first.send(
          new PutObjectCommand({ Bucket: 'it-local-s3-b', Key: `p/dt=2026-01-01/${index}.json`, Body: body, ContentMD5: md5.copy().digest('base64') }),
        );
        expect(put.ETag).toBe(`"${md5.digest('hex')}"`);
      }
      await expect(
        first.send(new PutObjectCommand({ Bucket: 'it-local-s3-b', Key: 'bad', Body: 'x', ContentMD5: createHash('md5').update('y').digest('base64') })),
      ).rejects.toMatchObject({ name: 'BadDigest' });

      const keys: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await second.send(new ListObjectsV2Command({ Bucket: 'it-local-s3-b', Prefix: 'p/', MaxKeys: 2, ContinuationToken: token }));
        pages++;
        keys.push(...(page.Contents ?? []).map((entry) => entry.Key as string));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      expect(pages).toBe(3);
      expect(keys).toEqual([0, 1, 2, 3, 4].map((index) => `p/dt=2026-01-01/${index}.json`));
      const object = await second.send(new GetObjectCommand({ Bucket: 'it-local-s3-b', Key: 'p/dt=2026-01-01/3.json' }));
      expect(await object.Body?.transformToString()).toBe('object 3');
      // The exporter's bucket probe tells a missing bucket by HeadBucket's 404.
      await expect(second.send(new HeadBucketCommand({ Bucket: 'it-local-s3-missing' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    } finally {
      first.destroy();
      second.destroy();
    }
  });
});
