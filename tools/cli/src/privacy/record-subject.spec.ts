import { isErasedRecord, recordSubject } from './record-subject';

describe(recordSubject.name, () => {
  it('finds the ids of a tracking event', () => {
    expect(recordSubject({ customer_id: 'acme', visitor_id: 'v1', user_id: null, event_data: { a: 1 } })).toEqual({ customerId: 'acme', visitorIds: ['v1'], userIds: [] });
  });

  it('finds them nested and inside JSON text (a dead letter or rejected body), the header customer first', () => {
    const deadLetter = JSON.stringify({ event: { customer_id: 'other', user_id: 'u1' } });
    expect(recordSubject(deadLetter, 'acme')).toEqual({ customerId: 'acme', visitorIds: [], userIds: ['u1'] });
  });

  it('finds nothing in text that is not JSON', () => {
    expect(recordSubject('visitor_id=v1')).toEqual({ customerId: undefined, visitorIds: [], userIds: [] });
  });
});

describe(isErasedRecord.name, () => {
  const erased = (customerId: string, ids: { visitorId?: string; userId?: string }) => customerId === 'acme' && (ids.visitorId === 'gone' || ids.userId === 'gone-user');

  it('is erased when any id of the record is, of its customer', () => {
    expect(isErasedRecord({ customerId: 'acme', visitorIds: ['kept', 'gone'], userIds: [] }, erased)).toBe(true);
    expect(isErasedRecord({ customerId: 'acme', visitorIds: [], userIds: ['gone-user'] }, erased)).toBe(true);
    expect(isErasedRecord({ customerId: 'other', visitorIds: ['gone'], userIds: [] }, erased)).toBe(false);
    expect(isErasedRecord({ customerId: undefined, visitorIds: ['gone'], userIds: [] }, erased)).toBe(false);
  });
});
