import { BasicAuthCheck } from './basic-auth';

const header = (credentials: string): string => `Basic ${Buffer.from(credentials).toString('base64')}`;

describe(BasicAuthCheck.name, () => {
  const sut = new BasicAuthCheck({ username: 'registry-user', password: 'p4ss:with-colon' });

  it('accepts the configured user and password (a password may hold colons)', () => {
    expect(sut.accepts(header('registry-user:p4ss:with-colon'))).toBe(true);
  });

  it.each([
    ['a wrong password', header('registry-user:wrong')],
    ['a wrong user', header('someone:p4ss:with-colon')],
    ['no password', header('registry-user')],
    ['no header', undefined],
    ['another scheme', 'Bearer registry-user:p4ss:with-colon'],
    ['a header that is not base64', 'Basic !!!'],
  ])('refuses %s', (_case, authorization) => {
    expect(sut.accepts(authorization)).toBe(false);
  });
});
