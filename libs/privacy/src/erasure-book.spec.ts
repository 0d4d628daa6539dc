import { hashKey, type ErasureRequestRecord } from '@tracking/contracts';
import { ErasureBook } from './erasure-book';
import { subjectHash } from './subject-hash';

const request = (requestId: string, customerId: string, ids: { visitors?: string[]; users?: string[] }, at = 1): ErasureRequestRecord => ({
  request_id: requestId,
  customer_id: customerId,
  requested_at: at,
  requested_by: 'test',
  visitor_hks: (ids.visitors ?? []).map((id) => subjectHash(customerId, id)),
  user_hks: (ids.users ?? []).map((id) => subjectHash(customerId, id)),
});

describe('subjectHash', () => {
  it('is the lowercase hex of the vault hash key, so it matches privacy.erasures.subject_hk', () => {
    expect(subjectHash('acme', 'visitor-1')).toBe(hashKey('acme', 'visitor-1').toString('hex'));
    expect(subjectHash('acme', 'visitor-1')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs between tenants for the same id', () => {
    expect(subjectHash('acme', 'v')).not.toBe(subjectHash('other', 'v'));
  });
});

describe(ErasureBook.name, () => {
  it('answers erased for a listed visitor or user id of that customer only', () => {
    const sut = new ErasureBook();
    sut.apply('r1', request('r1', 'acme', { visitors: ['v1'], users: ['u1'] }));

    expect(sut.isErased('acme', { visitorId: 'v1' })).toBe(true);
    expect(sut.isErased('acme', { userId: 'u1' })).toBe(true);
    expect(sut.isErased('acme', { visitorId: 'v2', userId: 'u1' })).toBe(true);
    expect(sut.isErased('acme', { visitorId: 'v2', userId: 'u2' })).toBe(false);
    expect(sut.isErased('acme', { visitorId: null, userId: null })).toBe(false);
    expect(sut.isErased('other', { visitorId: 'v1' })).toBe(false);
  });

  it('matches ids however they were cased or padded, as the hash key normalises them', () => {
    const sut = new ErasureBook();
    sut.apply('r1', request('r1', 'acme', { visitors: ['Visitor-1'] }));

    expect(sut.isErased('ACME', { visitorId: ' visitor-1 ' })).toBe(true);
  });

  it('does not take a visitor hash for a user id', () => {
    const sut = new ErasureBook();
    sut.apply('r1', request('r1', 'acme', { visitors: ['same'] }));

    expect(sut.isErased('acme', { userId: 'same' })).toBe(false);
  });

  it('returns a request when new or changed, nothing when read again unchanged', () => {
    const sut = new ErasureBook();
    const first = request('r1', 'acme', { visitors: ['v1'] });

    expect(sut.apply('r1', first)).toBe(first);
    expect(sut.apply('r1', { ...first })).toBeUndefined();
    const wider = request('r1', 'acme', { visitors: ['v1', 'v2'] });
    expect(sut.apply('r1', wider)).toBe(wider);
    expect(sut.isErased('acme', { visitorId: 'v2' })).toBe(true);
  });

  it('forgets a withdrawn request (tombstone) but keeps the customer\'s other requests', () => {
    const sut = new ErasureBook();
    sut.apply('r1', request('r1', 'acme', { visitors: ['v1'] }));
    sut.apply('r2', request('r2', 'acme', { visitors: ['v2'] }));

    sut.apply('r1', null);

    expect(sut.isErased('acme', { visitorId: 'v1' })).toBe(false);
    expect(sut.isErased('acme', { visitorId: 'v2' })).toBe(true);
    expect(sut.requests('acme').map((entry) => entry.request_id)).toEqual(['r2']);
    sut.apply('r2', null);
    expect(sut.requests()).toEqual([]);
  });

  it('lists requests oldest first, all or one customer\'s', () => {
    const sut = new ErasureBook();
    sut.apply('b', request('b', 'acme', { users: ['u'] }, 20));
    sut.apply('a', request('a', 'other', { users: ['u'] }, 10));
    sut.apply('c', request('c', 'acme', { users: ['w'] }, 5));

    expect(sut.requests().map((entry) => entry.request_id)).toEqual(['c', 'a', 'b']);
    expect(sut.requests('acme').map((entry) => entry.request_id)).toEqual(['c', 'b']);
    expect(sut.size).toBe(3);
    expect(sut.has('a')).toBe(true);
  });
});
