import type { BucketTarget } from '../targets/export-target';
import { S3Clients } from './s3-clients';

const target = (secretAccessKey: string, accessKeyId = 'AKIA1'): BucketTarget => ({
  bucket: 'b',
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:1',
  credentials: { accessKeyId, secretAccessKey },
  credentialSources: {},
});

describe(S3Clients.name, () => {
  it('shares a client between targets with the same credentials, and makes a new one when a secret was rotated', () => {
    const sut = new S3Clients();
    try {
      expect(sut.for(target('one'))).toBe(sut.for(target('one')));
      expect(sut.for(target('two'))).not.toBe(sut.for(target('one')));
      expect(sut.for(target('one', 'AKIA2'))).not.toBe(sut.for(target('one')));
    } finally {
      sut.onApplicationShutdown();
    }
  });
});
