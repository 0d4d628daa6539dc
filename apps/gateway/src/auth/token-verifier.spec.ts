import { parseCustomerConfig } from '@tracking/customers';
import { bearerToken, hashToken, matchesCustomerToken } from './token-verifier';

const token = 'ovt_test_0123456789abcdef';
const customer = parseCustomerConfig(
  'acme',
  {
    customer: { id: 'acme', name: 'Acme' },
    tracking: {
      api_tokens: [
        { id: 'old', sha256: hashToken('ovt_test_rotated_away_000').toString('hex') },
        { id: 'current', sha256: hashToken(token).toString('hex') },
      ],
    },
  },
  {},
);

describe('token verification', () => {
  it('finds the matching token among the customer\'s hashes', () => {
    expect(matchesCustomerToken(customer, hashToken(token))).toBe('current');
    expect(matchesCustomerToken(customer, hashToken('ovt_test_wrong_00000000'))).toBeUndefined();
  });

  it('reads only well-formed bearer headers', () => {
    expect(bearerToken(`Bearer ${token}`)).toBe(token);
    expect(bearerToken(`Basic ${token}`)).toBeUndefined();
    expect(bearerToken('Bearer short')).toBeUndefined();
    expect(bearerToken(['Bearer a', 'Bearer b'])).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
