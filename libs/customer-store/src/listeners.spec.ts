import pino from 'pino';
import { customerDigest, type CustomerDocuments } from '@tracking/contracts';
import type { CustomerChange } from './customer-book';
import { ChangeListeners } from './listeners';

function documents(customerId: string): CustomerDocuments {
  const texts = { config_yaml: `customer:\n  id: ${customerId}\n`, features_yaml: null, automations_yaml: null };
  return { customer_id: customerId, ...texts, digest: customerDigest(texts), applied_by: 't', applied_at: 0, applied_via: 't', changed_files: [] };
}

describe(ChangeListeners.name, () => {
  it('holds changes back until the first full read, then hands them to every listener', () => {
    const sut = new ChangeListeners(pino({ level: 'silent' }));
    const heard: string[][] = [];
    sut.add((changes) => heard.push(changes.map((change) => change.customerId)), new Map());
    sut.emit([{ customerId: 'early', documents: documents('early') }]);
    expect(heard).toEqual([]);
    sut.emit([{ customerId: 'a', documents: documents('a') }], true);
    sut.emit([{ customerId: 'b', documents: documents('b') }]);
    expect(heard).toEqual([['a'], ['b']]);
  });

  it('gives a listener that registers after the first read every current customer at once', () => {
    const sut = new ChangeListeners(pino({ level: 'silent' }));
    sut.emit([], true);
    const heard: CustomerChange[] = [];
    sut.add((changes) => heard.push(...changes), new Map([['a', documents('a')], ['b', documents('b')]]));
    expect(heard.map((change) => [change.customerId, change.documents?.customer_id])).toEqual([['a', 'a'], ['b', 'b']]);
  });

  it('keeps calling the other listeners when one throws', () => {
    const sut = new ChangeListeners(pino({ level: 'silent' }));
    const heard: string[] = [];
    sut.add(() => {
      throw new Error('bug');
    }, new Map());
    sut.add((changes) => heard.push(...changes.map((change) => change.customerId)), new Map());
    sut.emit([{ customerId: 'a', documents: documents('a') }], true);
    expect(heard).toEqual(['a']);
  });
});
