import type { S3Clients } from '../s3/s3-clients';
import type { ExportTarget } from '../targets/export-target';
import { BucketProbe } from './bucket.probe';

function newSut(failure: unknown) {
  const mocks = { send: jest.fn(async () => Promise.reject(failure)) };
  const sut = new BucketProbe({ for: () => ({ send: mocks.send }) } as unknown as S3Clients);
  return { sut, mocks };
}

const target = { client: { bucket: 'client-bucket' }, backup: undefined } as unknown as ExportTarget;

describe(BucketProbe.name, () => {
  describe('check', () => {
    it('names the bucket and the HTTP status when S3 answers an error HEAD without a body', async () => {
      const { sut } = newSut(Object.assign(new Error('UnknownError'), { name: 'Unknown', $metadata: { httpStatusCode: 503 } }));
      await expect(sut.check(target)).rejects.toThrow('bucket client-bucket: HTTP 503');
    });

    it('keeps the error name and message when S3 gave them', async () => {
      const { sut } = newSut(Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } }));
      await expect(sut.check(target)).rejects.toThrow('bucket client-bucket: NoSuchBucket: The specified bucket does not exist');
    });
  });
});
