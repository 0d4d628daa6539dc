import { customerDigest, type CustomerDocuments } from '@tracking/contracts';
import { CustomerBook } from './customer-book';

function documents(customerId: string, config: string): CustomerDocuments {
  const texts = { config_yaml: config, features_yaml: null, automations_yaml: null };
  return { customer_id: customerId, ...texts, digest: customerDigest(texts), applied_by: 'test', applied_at: 0, applied_via: 'test', changed_files: [] };
}

describe(CustomerBook.name, () => {
  describe('apply', () => {
    it('reports a new customer, a changed one and a removed one', () => {
      const sut = new CustomerBook();
      expect(sut.apply('a', documents('a', 'one'))).toMatchObject({ customerId: 'a', documents: { config_yaml: 'one' } });
      expect(sut.apply('a', documents('a', 'two'))).toMatchObject({ customerId: 'a', documents: { config_yaml: 'two' }, previous: { config_yaml: 'one' } });
      expect(sut.apply('a', null)).toMatchObject({ customerId: 'a', previous: { config_yaml: 'two' } });
      expect(sut.get('a')).toBeUndefined();
    });

    it('reports nothing for the same documents applied again, or a tombstone of an unknown customer', () => {
      const sut = new CustomerBook();
      sut.apply('a', documents('a', 'one'));
      expect(sut.apply('a', { ...documents('a', 'one'), applied_by: 'someone else' })).toBeUndefined();
      expect(sut.apply('b', null)).toBeUndefined();
    });
  });

  describe('changesTo', () => {
    it('lists what differs between two books read whole', () => {
      const sut = new CustomerBook();
      sut.apply('kept', documents('kept', 'same'));
      sut.apply('changed', documents('changed', 'old'));
      sut.apply('removed', documents('removed', 'x'));
      const next = new CustomerBook();
      next.apply('kept', documents('kept', 'same'));
      next.apply('changed', documents('changed', 'new'));
      next.apply('added', documents('added', 'y'));
      const changes = sut.changesTo(next);
      expect(changes.map((change) => [change.customerId, Boolean(change.documents), Boolean(change.previous)]).sort()).toEqual([
        ['added', true, false],
        ['changed', true, true],
        ['removed', false, true],
      ]);
    });
  });
});
