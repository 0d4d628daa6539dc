import type { TrackingEvent } from '@tracking/contracts';
import { eventHour, objectStem, parseObjectOffsets, partitionKeyPrefix, hourDirectory } from './object-layout';
import { PartitionAssembler, type AssembledObject, type BoundaryLookup } from './partition-assembler';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);

function event(customer: string, occurredAt: number, id: number): TrackingEvent {
  return { event_id: `e${id}`, customer_id: customer, occurred_at: occurredAt, event_data: '{}' } as TrackingEvent;
}

type Input = [customer: string, occurredAt: number];

/** Feeds records from `from` on and returns the objects closed, as "customer first-last reason". */
async function cut(inputs: Input[], options: { from?: number; lookup?: BoundaryLookup; maxRecords?: number; flushAt?: number } = {}): Promise<string[]> {
  const assembler = new PartitionAssembler('t', 0, { maxRecords: options.maxRecords ?? 3, maxBytes: 1_000_000, latenessMs: HOUR }, options.lookup ?? (async () => undefined));
  const closed: AssembledObject[] = [];
  for (let offset = options.from ?? 0; offset < inputs.length; offset++) {
    const [customer, occurredAt] = inputs[offset];
    closed.push(...(await assembler.add({ offset: BigInt(offset), customerId: customer, event: event(customer, occurredAt, offset), size: 10 })));
    if (offset === options.flushAt) closed.push(...assembler.flush());
  }
  return closed.map((object) => `${object.customerId} ${object.first}-${object.last} ${object.reason}`);
}

describe('PartitionAssembler', () => {
  const inputs: Input[] = [
    ['a', T0], ['b', T0], ['a', T0 + 1], ['a', T0 + 2], ['b', T0 + 3], ['a', T0 + 4],
    ['b', T0 + 5], ['a', T0 + 6], ['b', T0 + 2 * HOUR + 1], ['a', T0 + 2 * HOUR + 2],
  ];

  it('closes objects by record count per customer and by a later record of the partition (event time)', async () => {
    expect(await cut(inputs)).toEqual(['a 0-3 records', 'b 1-6 records', 'a 5-7 event_time']);
  });

  it('cuts the same objects when reading again from the first offset of any object still open', async () => {
    const full = await cut(inputs);
    // After a crash the group restarts from the first record of the oldest open object (offset 5 here).
    const again = await cut(inputs, { from: 5 });
    expect(full.filter((object) => Number(object.split(' ')[1].split('-')[0]) >= 5)).toEqual(again.filter((object) => !object.startsWith('b 6')));
  });

  it('closes at the boundaries an earlier run wrote, even where the rules would not (a flush)', async () => {
    const flushed = await cut(inputs, { flushAt: 2 });
    expect(flushed.slice(0, 2)).toEqual(['a 0-2 flush', 'b 1-1 flush']);
    const written = new Map([['a|0', 2n], ['b|1', 1n]]);
    const lookup: BoundaryLookup = async (customer, _hour, first) => written.get(`${customer}|${first}`);
    const replayed = await cut(inputs, { lookup });
    expect(replayed.slice(0, 2)).toEqual(['b 1-1 ledger', 'a 0-2 ledger']);
    expect(replayed.slice(2)).toEqual(flushed.slice(2));
  });

  it('closes objects left open past their customer\'s schedule, except those an earlier run already wrote', async () => {
    let now = 1_000;
    const assembler = new PartitionAssembler('t', 0, { maxRecords: 10, maxBytes: 1_000_000, latenessMs: HOUR }, async (customer) => (customer === 'known' ? 50n : undefined), () => now);
    await assembler.add({ offset: 1n, customerId: 'a', event: event('a', T0, 1), size: 1 });
    await assembler.add({ offset: 2n, customerId: 'known', event: event('known', T0, 2), size: 1 });
    now += 4_999;
    expect(assembler.expire(() => 5_000)).toEqual([]);
    now += 1;
    expect(assembler.expire(() => 5_000).map((object) => `${object.customerId} ${object.first}-${object.last} ${object.reason}`)).toEqual(['a 1-1 schedule']);
    expect(assembler.openEvents()).toEqual(new Map([['known', 1]]));
  });

  it('holds the commit at the first record of an open object', async () => {
    const assembler = new PartitionAssembler('t', 0, { maxRecords: 10, maxBytes: 1_000_000, latenessMs: HOUR }, async () => undefined);
    await assembler.add({ offset: 7n, customerId: 'a', event: event('a', T0, 7), size: 1 });
    assembler.skip(8n);
    expect(assembler.safeOffset()).toBe(7n);
    expect(assembler.discard('a')).toBe(7n);
    expect(assembler.safeOffset()).toBe(9n);
  });

  it('refuses a record when the lookup fails, changing nothing', async () => {
    const assembler = new PartitionAssembler('t', 0, { maxRecords: 10, maxBytes: 1_000_000, latenessMs: HOUR }, async () => {
      throw new Error('bucket gone');
    });
    await expect(assembler.add({ offset: 3n, customerId: 'a', event: event('a', T0, 3), size: 1 })).rejects.toThrow('bucket gone');
    expect(assembler.safeOffset()).toBeUndefined();
  });
});

describe('object layout', () => {
  it('names objects by event hour and offsets, and reads the offsets back', () => {
    const hour = eventHour(Date.UTC(2026, 0, 2, 3, 59, 59, 999));
    expect(hour).toMatchObject({ dt: '2026-01-02', hour: '03' });
    const directory = hourDirectory('exports/raw', 'one_spa', hour);
    const key = `${directory}${objectStem('tracking.events.v1', 4, 120n, 1234567n)}.parquet`;
    expect(key).toBe('exports/raw/customer=one_spa/dt=2026-01-02/hour=03/tracking.events.v1+4+0000000120-0001234567.parquet');
    expect(parseObjectOffsets(key, partitionKeyPrefix(directory, 'tracking.events.v1', 4))).toEqual({ first: 120n, last: 1234567n });
    expect(parseObjectOffsets(key, partitionKeyPrefix(directory, 'tracking.events.v1', 1))).toBeUndefined();
  });
});
