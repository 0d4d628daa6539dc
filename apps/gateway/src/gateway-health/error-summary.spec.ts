import { safeErrorMessage } from './error-summary';

describe('safeErrorMessage', () => {
  it('keeps an ordinary message as it is', () => {
    expect(safeErrorMessage('Invalid event: page_url must be a URL')).toBe('Invalid event: page_url must be a URL');
  });

  it('masks tokens, bearer values and long opaque strings', () => {
    const text = safeErrorMessage('token ovt_test_0123456789abcdef0123456789abcdef refused; header Bearer abc.def; id c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0');
    expect(text).not.toMatch(/0123456789abcdef|abc\.def|c2VjcmV0/);
    expect(text).toContain('[redacted]');
  });

  it('masks IPv4 and IPv6 addresses and email addresses', () => {
    const text = safeErrorMessage('from 203.0.113.7 and 2001:db8::1 for jane@example.com');
    expect(text).toBe('from [address] and [address] for [email]');
  });

  it('bounds the length', () => {
    expect(safeErrorMessage('x '.repeat(500)).length).toBeLessThanOrEqual(200);
  });
});
