import type { ErasureRequestRecord } from '@tracking/contracts';
import { subjectHash } from '@tracking/privacy';
import { isSubjectErased, triggerSubjectOf } from './trigger-subject';

const request = (customerId: string, ids: { visitors?: string[]; users?: string[] }): ErasureRequestRecord => ({
  request_id: 'r1',
  customer_id: customerId,
  requested_at: 1,
  requested_by: 'test',
  visitor_hks: (ids.visitors ?? []).map((id) => subjectHash(customerId, id)),
  user_hks: (ids.users ?? []).map((id) => subjectHash(customerId, id)),
});

describe('triggerSubjectOf', () => {
  it("hashes the event's visitor and user as erasure requests name them", () => {
    expect(triggerSubjectOf({ customer_id: 'acme', visitor_id: 'v1', user_id: 'u1' })).toEqual({ visitorHk: subjectHash('acme', 'v1'), userHk: subjectHash('acme', 'u1') });
  });

  it('has no hash for a missing or blank id (the ghost key would name everyone without one)', () => {
    expect(triggerSubjectOf({ customer_id: 'acme', visitor_id: null, user_id: '  ' })).toEqual({ visitorHk: null, userHk: null });
  });
});

describe('isSubjectErased', () => {
  const list = (requests: ErasureRequestRecord[]) => ({ requests: (customerId?: string) => requests.filter((r) => r.customer_id === customerId) });

  it('is true for a listed visitor or user hash of that customer only', () => {
    const sut = list([request('acme', { visitors: ['v1'], users: ['u1'] })]);
    expect(isSubjectErased(sut, 'acme', triggerSubjectOf({ customer_id: 'acme', visitor_id: 'v1', user_id: null }))).toBe(true);
    expect(isSubjectErased(sut, 'acme', triggerSubjectOf({ customer_id: 'acme', visitor_id: 'v2', user_id: 'u1' }))).toBe(true);
    expect(isSubjectErased(sut, 'acme', triggerSubjectOf({ customer_id: 'acme', visitor_id: 'v2', user_id: 'u2' }))).toBe(false);
    expect(isSubjectErased(sut, 'other', triggerSubjectOf({ customer_id: 'other', visitor_id: 'v1', user_id: null }))).toBe(false);
  });

  it('does not take a visitor hash for a user', () => {
    const sut = list([request('acme', { visitors: ['same'] })]);
    expect(isSubjectErased(sut, 'acme', triggerSubjectOf({ customer_id: 'acme', visitor_id: null, user_id: 'same' }))).toBe(false);
  });
});
