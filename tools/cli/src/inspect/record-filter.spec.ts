import { customerOf, eventTypeOf, matchesFilter, rejectedByHeaders } from './record-filter';

describe('record filter', () => {
  const event = {
    headers: { ce_source: '/customers/one_spa', ce_type: 'io.trackingplatform.event.page_view' },
    value: { customer_id: 'one_spa', event_type: 'page_view' },
  };

  describe(customerOf.name, () => {
    it('reads the ce_source header, else the value', () => {
      expect(customerOf(event)).toBe('one_spa');
      expect(customerOf({ headers: { ce_source: '/customers/a%2Fb' }, value: null })).toBe('a/b');
      expect(customerOf({ headers: {}, value: { customer_id: 'rejected_one' } })).toBe('rejected_one');
      expect(customerOf({ headers: {}, value: 'text' })).toBeUndefined();
    });
  });

  describe(eventTypeOf.name, () => {
    it('reads event_type or trigger_type, else the suffix of ce_type', () => {
      expect(eventTypeOf(event)).toBe('page_view');
      expect(eventTypeOf({ headers: {}, value: { trigger_type: 'cart_abandoned' } })).toBe('cart_abandoned');
      expect(eventTypeOf({ headers: { ce_type: 'io.trackingplatform.trigger.booking' }, value: null })).toBe('booking');
      expect(eventTypeOf({ headers: { ce_type: 'com.other.thing' }, value: null })).toBeUndefined();
    });
  });

  describe(matchesFilter.name, () => {
    it('passes everything without filters and requires every filter given', () => {
      expect(matchesFilter({}, event)).toBe(true);
      expect(matchesFilter({ customer: 'one_spa', eventType: 'page_view' }, event)).toBe(true);
      expect(matchesFilter({ customer: 'one_spa', eventType: 'purchase' }, event)).toBe(false);
      expect(matchesFilter({ customer: 'other' }, event)).toBe(false);
      expect(matchesFilter({ customer: 'one_spa' }, { headers: {}, value: 'no customer' })).toBe(false);
    });
  });

  describe(rejectedByHeaders.name, () => {
    it("rules out another customer's record before decoding, and leaves records without the header undecided", () => {
      expect(rejectedByHeaders({ customer: 'other' }, event.headers)).toBe(true);
      expect(rejectedByHeaders({ customer: 'one_spa' }, event.headers)).toBe(false);
      expect(rejectedByHeaders({ customer: 'other' }, {})).toBe(false);
      expect(rejectedByHeaders({ eventType: 'x' }, event.headers)).toBe(false);
    });
  });
});
