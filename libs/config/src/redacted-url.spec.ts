import { redactedUrl } from './redacted-url';

describe(redactedUrl.name, () => {
  it('replaces the password of a URL and keeps the rest', () => {
    expect(redactedUrl('postgres://app:s3cret@db.example:5432/tracking?sslmode=verify-full')).toBe(
      'postgres://app:redacted@db.example:5432/tracking?sslmode=verify-full',
    );
  });

  it('replaces secrets given as query parameters', () => {
    expect(redactedUrl('postgres://db.example/tracking?user=app&password=s3cret')).not.toContain('s3cret');
  });

  it('leaves a URL without credentials as it is', () => {
    expect(redactedUrl('rediss://cache.example:6380/0')).toBe('rediss://cache.example:6380/0');
  });

  it('does not echo text that is not a URL', () => {
    expect(redactedUrl('//app:s3cret@nowhere')).toBe('[unparsable URL]');
  });
});
