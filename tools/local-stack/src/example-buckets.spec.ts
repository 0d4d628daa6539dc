import { join } from 'node:path';
import { parse } from 'yaml';
import { bucketsOfCustomerConfig, exampleBuckets } from './example-buckets';

// S3's bucket naming rules (the common subset every region accepts).
const BUCKET_NAME = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

describe(bucketsOfCustomerConfig.name, () => {
  const sut = (yaml: string) => bucketsOfCustomerConfig(parse(yaml));

  it('finds nothing in a configuration without an s3_export block', () => {
    expect(sut('customer:\n  id: one_spa\n')).toEqual({ buckets: [], problems: [] });
    expect(sut('')).toEqual({ buckets: [], problems: [] });
  });

  it('takes the client and the backup bucket', () => {
    expect(sut('s3_export:\n  client_bucket: spa-exports\n  backup_bucket: platform-backup\n  format: json\n').buckets).toEqual([
      'spa-exports',
      'platform-backup',
    ]);
  });

  it('leaves out buckets that live behind an endpoint of their own', () => {
    expect(sut('s3_export:\n  client_bucket: a-b\n  backup_bucket: c-d\n  endpoint: https://s3.example.com\n').buckets).toEqual([]);
    expect(sut('s3_export:\n  client_bucket: a-b\n  backup_bucket: c-d\n  backup_endpoint: https://s3.example.com\n').buckets).toEqual(['a-b']);
  });

  it('leaves out a disabled block', () => {
    expect(sut('s3_export:\n  enabled: false\n  client_bucket: spa-exports\n').buckets).toEqual([]);
  });

  it('reports a value that is not a bucket name', () => {
    expect(sut('s3_export:\n  client_bucket: [a]\n')).toEqual({ buckets: [], problems: ['s3_export.client_bucket is not a bucket name'] });
  });
});

describe(exampleBuckets.name, () => {
  it("reads the example customers' configurations, naming only valid buckets", () => {
    const sut = exampleBuckets(join(__dirname, '..', '..', '..', 'example-customers', 'configurations'));
    expect(sut.problems).toEqual([]);
    for (const bucket of sut.buckets) expect(bucket).toMatch(BUCKET_NAME);
  });

  it('reports a directory that does not exist', () => {
    expect(exampleBuckets('/nonexistent/customers').problems).toEqual(['/nonexistent/customers does not exist']);
  });
});
