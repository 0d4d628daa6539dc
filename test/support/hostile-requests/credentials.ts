import { DEV_TOKENS } from '@test/fixtures/seed-000-examples';
import { TEST_ADMIN_TOKEN } from '../in-process-services';
import type { World } from './drill-case';
import type { Prng } from './prng';

export interface Credentials {
  headers: Array<[string, string | Buffer]>;
  /** Could these credentials authenticate a customer? Then every event sent with them must be broken. */
  mayAuthenticate: boolean;
  kind: string;
}

export const bearer = (token: string): [string, string] => ['Authorization', `Bearer ${token}`];

/** Credentials of the customer API, from valid to forged, for customer A's requests. */
export function apiCredentials(rng: Prng, world: World): Credentials {
  const { a, b, off } = world;
  const bogus = `ovt_test_${rng.hex(32)}`;
  const options: Array<() => Credentials> = [
    () => ({ headers: [['X-Customer-ID', a.id], bearer(a.token)], mayAuthenticate: true, kind: 'valid token' }),
    () => ({ headers: [['X-Customer-ID', a.id], bearer(a.token)], mayAuthenticate: true, kind: 'valid token' }),
    () => ({ headers: [['X-Customer-ID', a.id], bearer(world.aKey.secret)], mayAuthenticate: true, kind: 'valid key secret' }),
    () => ({ headers: [['X-Customer-ID', off.id], bearer(off.token)], mayAuthenticate: true, kind: 'tracking disabled' }),
    () => ({ headers: [['X-Customer-ID', a.id], bearer(b.token)], mayAuthenticate: false, kind: 'other tenant token' }),
    () => ({ headers: [['X-Customer-ID', a.id], bearer(world.revoked.secret)], mayAuthenticate: false, kind: 'revoked key secret' }),
    () => ({ headers: [['X-Customer-ID', a.id], bearer(bogus)], mayAuthenticate: false, kind: 'unknown token' }),
    () => ({ headers: [['X-Customer-ID', a.id], bearer(DEV_TOKENS.one_spa)], mayAuthenticate: false, kind: 'token of a customer this gateway lacks' }),
    () => ({ headers: [['X-Customer-ID', a.id]], mayAuthenticate: false, kind: 'no token' }),
    () => ({ headers: [bearer(a.token)], mayAuthenticate: false, kind: 'no customer header' }),
    () => ({ headers: [['X-Customer-ID', a.id], ['Authorization', 'Bearer']], mayAuthenticate: false, kind: 'empty bearer' }),
    () => ({ headers: [['X-Customer-ID', a.id], ['Authorization', `bearer ${bogus}`]], mayAuthenticate: false, kind: 'lower-case scheme' }),
    () => ({ headers: [['X-Customer-ID', a.id], ['Authorization', `Basic ${Buffer.from(`${a.id}:${bogus}`).toString('base64')}`]], mayAuthenticate: false, kind: 'basic auth' }),
    () => ({ headers: [['X-Customer-ID', a.id], bearer('x'.repeat(600))], mayAuthenticate: false, kind: 'overlong token' }),
    () => ({ headers: [['X-Customer-ID', a.id], bearer('short')], mayAuthenticate: false, kind: 'short token' }),
    () => ({ headers: [['X-Customer-ID', a.id], ['Authorization', Buffer.from(`Bearer ovt_\xff\xfe${rng.hex(20)}`, 'latin1')]], mayAuthenticate: false, kind: 'non-ASCII token' }),
    () => ({ headers: [['X-Customer-ID', 'zz_nobody'], bearer(bogus)], mayAuthenticate: false, kind: 'unknown customer' }),
    () => ({ headers: [['X-Customer-ID', a.id.toUpperCase()], bearer(a.token)], mayAuthenticate: true, kind: 'customer id in upper case' }),
    () => ({ headers: [['X-Customer-ID', `../${a.id}`], bearer(a.token)], mayAuthenticate: true, kind: 'customer id traversal' }),
    () => ({ headers: [['X-Customer-ID', 'c'.repeat(10_000)], bearer(bogus)], mayAuthenticate: false, kind: 'very long customer id' }),
    () => ({ headers: [['X-Customer-ID', '   '], bearer(a.token)], mayAuthenticate: true, kind: 'blank customer id' }),
    () => ({ headers: [['X-Customer-ID', Buffer.from(`${a.id}\xc3\xa9`, 'latin1')], bearer(a.token)], mayAuthenticate: true, kind: 'non-ASCII customer id' }),
    () => ({ headers: [['X-Customer-ID', a.id], ['X-Customer-ID', b.id], bearer(a.token)], mayAuthenticate: true, kind: 'duplicate customer headers' }),
    () => ({ headers: [['X-Customer-ID', a.id], bearer(b.token), bearer(a.token)], mayAuthenticate: true, kind: 'duplicate authorization headers' }),
    () => ({ headers: [['X-Customer-ID', a.id], bearer(`${a.token} ${b.token}`)], mayAuthenticate: true, kind: 'two tokens in one header' }),
    () => ({ headers: [['X-Customer-ID', a.id], bearer(TEST_ADMIN_TOKEN)], mayAuthenticate: false, kind: 'admin token as api token' }),
  ];
  return rng.pick(options)();
}

/** Credentials of the operators' APIs: the admin token, and everything that must not pass for it. */
export function adminCredentials(rng: Prng, world: World): Credentials {
  const options: Array<() => Credentials> = [
    () => ({ headers: [bearer(TEST_ADMIN_TOKEN)], mayAuthenticate: true, kind: 'admin token' }),
    () => ({ headers: [bearer(TEST_ADMIN_TOKEN)], mayAuthenticate: true, kind: 'admin token' }),
    () => ({ headers: [bearer(world.a.token)], mayAuthenticate: false, kind: 'customer token as admin token' }),
    () => ({ headers: [['X-Customer-ID', world.a.id], bearer(world.a.token)], mayAuthenticate: false, kind: 'customer credentials' }),
    () => ({ headers: [bearer(world.aKey.secret)], mayAuthenticate: false, kind: 'key secret as admin token' }),
    () => ({ headers: [], mayAuthenticate: false, kind: 'no token' }),
    () => ({ headers: [bearer(`${TEST_ADMIN_TOKEN}x`)], mayAuthenticate: false, kind: 'admin token plus a character' }),
    () => ({ headers: [bearer(TEST_ADMIN_TOKEN.slice(0, -1))], mayAuthenticate: false, kind: 'admin token minus a character' }),
    () => ({ headers: [['Authorization', `Basic ${Buffer.from(`admin:${TEST_ADMIN_TOKEN}`).toString('base64')}`]], mayAuthenticate: false, kind: 'basic auth' }),
    () => ({ headers: [['Authorization', `Bearer ${TEST_ADMIN_TOKEN} ${TEST_ADMIN_TOKEN}`]], mayAuthenticate: false, kind: 'token twice' }),
    () => ({ headers: [['Authorization', Buffer.from(`Bearer \xff${TEST_ADMIN_TOKEN}`, 'latin1')]], mayAuthenticate: false, kind: 'non-ASCII admin token' }),
    () => ({ headers: [bearer(rng.hex(48))], mayAuthenticate: false, kind: 'random token' }),
  ];
  return rng.pick(options)();
}
