import { customerOfRecord, type ConsumedRecord } from './consumed-record';
import { ReplayWindow } from './replay-window';

function records(partition: number, entries: Array<{ offset: number; customer: string }>): ConsumedRecord[] {
  return entries.map(({ offset, customer }) => ({ topic: 't', partition, offset: String(offset), key: Buffer.from(`${customer}:s`), value: Buffer.from('v'), headers: {}, timestamp: '0' }));
}

describe(ReplayWindow.name, () => {
  describe('select', () => {
    it("passes over a fetch holding only other customers' records, naming its last record so the position moves past it", () => {
      const sut = new ReplayWindow({ customer: 'a', stopOffsets: { t: { '0': '100' } } }, jest.fn());
      expect(sut.select('t', 0, records(0, [{ offset: 10, customer: 'b' }, { offset: 11, customer: 'b' }]))).toEqual({ kind: 'inside', records: [], lastExamined: '11', reachedStop: false });
    });

    it('keeps only records before the stop offset and of the customer', () => {
      const sut = new ReplayWindow({ customer: 'a', stopOffsets: { t: { '0': '3' } } }, jest.fn());
      const selection = sut.select('t', 0, records(0, [{ offset: 1, customer: 'a' }, { offset: 2, customer: 'b' }, { offset: 3, customer: 'a' }]));
      expect(selection.kind === 'inside' && selection.records.map((record) => record.offset)).toEqual(['1']);
      expect(selection).toMatchObject({ lastExamined: '2', reachedStop: true });
    });

    it('says a partition with nothing to replay is outside', () => {
      const sut = new ReplayWindow({ stopOffsets: { t: { '0': '3' } } }, jest.fn());
      expect(sut.select('t', 2, records(2, [{ offset: 7, customer: 'a' }]))).toEqual({ kind: 'outside' });
    });
  });

  describe('partitionDone', () => {
    it('ends the replay once every listed partition reached its stop, and only once', () => {
      const drained = jest.fn();
      const sut = new ReplayWindow({ stopOffsets: { t: { '0': '3', '1': '5' } } }, drained);
      expect(sut.partitionDone('t', 0)).toBe(false);
      expect(drained).not.toHaveBeenCalled();
      expect(sut.partitionDone('t', 1)).toBe(true);
      expect(sut.partitionDone('t', 1)).toBe(false);
      expect(drained).toHaveBeenCalledTimes(1);
    });

    it('ends at once a replay that has no partition to read', () => {
      const drained = jest.fn();
      new ReplayWindow({ stopOffsets: {} }, drained).started();
      expect(drained).toHaveBeenCalledTimes(1);
    });
  });
});

describe(customerOfRecord.name, () => {
  it("tells a record's customer by its CloudEvents source, else by its key", () => {
    expect(customerOfRecord({ headers: { ce_source: Buffer.from('/customers/one_spa') }, key: Buffer.from('x:s') })).toBe('one_spa');
    expect(customerOfRecord({ headers: {}, key: Buffer.from('retail_chain:session-1') })).toBe('retail_chain');
    expect(customerOfRecord({ headers: {}, key: null })).toBeUndefined();
  });
});
