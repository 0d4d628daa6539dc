import type { TrackingEvent } from '@tracking/contracts';
import { claimKey, eventHour, hourDirectory, manifestKey, meteringKey, objectStem, parseObjectOffsets, partitionKeyPrefix, siteFolder } from './object-layout';
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
    closed.push(...(await assembler.add({ offset: BigInt(offset), customerId: customer, event: event(customer, occurredAt, offset), size: 10, timestamp: T0 + offset })));
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

  it('reading again from inside a written object skips what it holds and cuts the rest as before', async () => {
    // b 1-6 was written while a's object from 5 was still open: a restart reads again from 5, inside b's object.
    const written = new Map([['a', [{ first: 0n, last: 3n }]], ['b', [{ first: 1n, last: 6n }]]]);
    const lookup: BoundaryLookup = async (customer, _hour, offset) => written.get(customer)?.find((range) => range.first <= offset && offset <= range.last);
    expect(await cut(inputs, { from: 5, lookup })).toEqual(['a 5-7 event_time']);
    const full = await cut(inputs);
    expect(full[full.length - 1]).toBe('a 5-7 event_time');
  });

  it('closes at the boundaries an earlier run wrote, even where the rules would not (a flush)', async () => {
    const flushed = await cut(inputs, { flushAt: 2 });
    expect(flushed.slice(0, 2)).toEqual(['a 0-2 flush', 'b 1-1 flush']);
    const written = new Map([['a', { first: 0n, last: 2n }], ['b', { first: 1n, last: 1n }]]);
    const lookup: BoundaryLookup = async (customer, _hour, offset) => {
      const range = written.get(customer);
      return range && range.first <= offset && offset <= range.last ? range : undefined;
    };
    const replayed = await cut(inputs, { lookup });
    expect(replayed.slice(0, 2)).toEqual(['b 1-1 ledger', 'a 0-2 ledger']);
    expect(replayed.slice(2)).toEqual(flushed.slice(2));
  });

  it("closes an object once a record of the partition is logged past its customer's schedule, counted from its first record's log time", async () => {
    const assembler = new PartitionAssembler('t', 0, { maxRecords: 10, maxBytes: 1_000_000, latenessMs: HOUR }, async () => undefined, (customer) => (customer === 'a' ? 5_000 : Number.POSITIVE_INFINITY));
    const add = (offset: number, customer: string, loggedAt: number) => assembler.add({ offset: BigInt(offset), customerId: customer, event: event(customer, T0, offset), size: 1, timestamp: loggedAt });
    const names = (objects: AssembledObject[]) => objects.map((object) => `${object.customerId} ${object.first}-${object.last} ${object.reason}`);
    expect(await add(0, 'a', 1_000)).toEqual([]);
    expect(await add(1, 'b', 2_000)).toEqual([]);
    expect(await add(2, 'a', 5_999)).toEqual([]);
    // Another customer's record logged at 6,000 ends a's schedule: a's object closes before it.
    expect(names(await add(3, 'b', 6_000))).toEqual(['a 0-2 schedule']);
    // A record of a itself, past the schedule of the object it would join, closes that object first and opens the next.
    expect(await add(4, 'a', 6_500)).toEqual([]);
    expect(names(await add(5, 'a', 11_500))).toEqual(['a 4-4 schedule']);
    // Records the consumer skips (other customers, undecodable) apply the rule too when their log time is known.
    expect(names(assembler.skip(6n, 16_500))).toEqual(['a 5-5 schedule']);
    expect(assembler.openEvents()).toEqual(new Map([['b', 2]]));
  });

  it("closes objects of a quiet partition by the clock once their schedule ended, except those an earlier run already wrote", async () => {
    const assembler = new PartitionAssembler('t', 0, { maxRecords: 10, maxBytes: 1_000_000, latenessMs: HOUR }, async (customer, _hour, offset) => (customer === 'known' ? { first: offset, last: 50n } : undefined), () => 5_000);
    await assembler.add({ offset: 1n, customerId: 'a', event: event('a', T0, 1), size: 1, timestamp: 1_000 });
    await assembler.add({ offset: 2n, customerId: 'known', event: event('known', T0, 2), size: 1, timestamp: 1_000 });
    expect(assembler.nextScheduledClose()).toEqual(new Map([['a', 6_000]]));
    expect(assembler.expire(5_999)).toEqual([]);
    expect(assembler.expire(6_000).map((object) => `${object.customerId} ${object.first}-${object.last} ${object.reason}`)).toEqual(['a 1-1 schedule']);
    expect(assembler.openEvents()).toEqual(new Map([['known', 1]]));
  });

  it('skips the records of an object found complete in the buckets, from its first record on, without writing it again', async () => {
    const complete = { first: 2n, last: 5n, complete: true };
    const assembler = new PartitionAssembler('t', 0, { maxRecords: 3, maxBytes: 1_000_000, latenessMs: HOUR }, async (customer, _hour, offset) =>
      customer === 'a' && offset >= complete.first && offset <= complete.last ? complete : undefined,
    );
    const closed: AssembledObject[] = [];
    for (const [offset, customer] of ['b', 'b', 'a', 'a', 'b', 'a', 'a', 'a', 'a'].entries()) {
      closed.push(...(await assembler.add({ offset: BigInt(offset), customerId: customer, event: event(customer, T0, offset), size: 1, timestamp: T0 })));
    }
    expect(closed.map((object) => `${object.customerId} ${object.first}-${object.last} ${object.reason}`)).toEqual(['b 0-4 records', 'a 6-8 records']);
    expect(assembler.safeOffset()).toBe(9n);
  });

  it('a crash at any record, then reading again from the commit point, ends with the same objects and every record once', async () => {
    // Pseudo-random but repeatable: three customers, hours drifting forward with late records.
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const records: Input[] = Array.from({ length: 120 }, (_, index) => [['a', 'b', 'c'][Math.floor(random() * 3)] as string, T0 + Math.floor(index / 20) * HOUR - (random() < 0.2 ? 2 * HOUR : 0)]);
    // c's objects also close by schedule: 5 s of log time, one record logged a second after the other.
    const maxOpenMs = (customer: string) => (customer === 'c' ? 5_000 : Number.POSITIVE_INFINITY);
    const name = (object: AssembledObject) => `${object.customerId} ${object.hour.start} ${object.first}-${object.last}`;

    const run = async (written: Map<string, AssembledObject>, from: number, to: number, flushAt?: number) => {
      const lookup: BoundaryLookup = async (customer, hour, offset) =>
        [...written.values()].find((object) => object.customerId === customer && object.hour.start === hour.start && object.first <= offset && offset <= object.last);
      const assembler = new PartitionAssembler('t', 0, { maxRecords: 4, maxBytes: 1_000_000, latenessMs: HOUR }, lookup, maxOpenMs);
      for (let offset = from; offset < to; offset++) {
        const [customer, occurredAt] = records[offset] as Input;
        for (const object of await assembler.add({ offset: BigInt(offset), customerId: customer, event: event(customer, occurredAt, offset), size: 1, timestamp: offset * 1_000 })) written.set(name(object), object);
        if (offset === flushAt) for (const object of assembler.flush()) written.set(name(object), object);
      }
      return assembler;
    };
    const reference = new Map<string, AssembledObject>();
    const whole = await run(reference, 0, records.length, 50);
    for (const object of whole.flush()) reference.set(name(object), object);

    for (let crash = 1; crash < records.length; crash += 7) {
      const written = new Map<string, AssembledObject>();
      const before = await run(written, 0, crash, crash > 50 ? 50 : undefined);
      const restart = Number(before.safeOffset());
      const after = await run(written, restart, records.length, crash <= 50 ? 50 : undefined);
      for (const object of after.flush()) written.set(name(object), object);
      const ids = [...written.values()].flatMap((object) => object.events.map((e) => e.event_id)).sort();
      expect(ids).toEqual(records.map((_, index) => `e${index}`).sort());
      expect([...written.keys()].sort()).toEqual([...reference.keys()].sort());
    }
  });

  it('skips a record whose event id its customer and hour already exported, in an open or an earlier object, and counts it', async () => {
    const assembler = new PartitionAssembler('t', 0, { maxRecords: 2, maxBytes: 1_000_000, latenessMs: HOUR }, async () => undefined, undefined, undefined, async (customer, _hour, offset) =>
      customer === 'a' && offset > 0n ? ['earlier'] : [],
    );
    const add = (offset: number, customer: string, id: string, occurredAt = T0) =>
      assembler.add({ offset: BigInt(offset), customerId: customer, event: { ...event(customer, occurredAt, offset), event_id: id }, size: 1, timestamp: T0 });
    expect(await add(1, 'a', 'earlier')).toEqual([]);
    expect(await add(2, 'a', 'x')).toEqual([]);
    expect(await add(3, 'a', 'x')).toEqual([]);
    expect((await add(4, 'a', 'y')).map((object) => object.events.map((e) => e.event_id))).toEqual([['x', 'y']]);
    expect(await add(5, 'a', 'y')).toEqual([]);
    // Another customer, or another hour, is another scope.
    expect(await add(6, 'b', 'y')).toEqual([]);
    expect(assembler.openEvents()).toEqual(new Map([['b', 1]]));
    expect(assembler.duplicates).toBe(3);
    expect(assembler.safeOffset()).toBe(6n);
  });

  it('with duplicates in the stream, a crash at any record and reading again ends with the same objects and every event id once', async () => {
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    // Every fifth record repeats one of the twenty before it (same customer, time and id), as a client's retry does.
    const records: Array<{ customer: string; occurredAt: number; id: number }> = [];
    for (let index = 0; index < 150; index++) {
      const original = records[index - 1 - Math.floor(random() * Math.min(20, index))];
      if (index % 5 === 4 && original) records.push(original);
      else records.push({ customer: ['a', 'b'][Math.floor(random() * 2)] as string, occurredAt: T0 + Math.floor(index / 40) * HOUR, id: index });
    }
    const name = (object: AssembledObject) => `${object.customerId} ${object.hour.start} ${object.first}-${object.last}`;
    const run = async (written: Map<string, AssembledObject>, from: number, to: number, flushAt?: number) => {
      const mine = (customer: string, hour: { start: number }) => [...written.values()].filter((object) => object.customerId === customer && object.hour.start === hour.start);
      const lookup: BoundaryLookup = async (customer, hour, offset) => mine(customer, hour).find((object) => object.first <= offset && offset <= object.last);
      const exportedIds = async (customer: string, hour: { start: number }, offset: bigint) =>
        mine(customer, hour).filter((object) => object.first < offset).flatMap((object) => object.events.map((e) => e.event_id));
      const assembler = new PartitionAssembler('t', 0, { maxRecords: 4, maxBytes: 1_000_000, latenessMs: HOUR }, lookup, undefined, undefined, exportedIds);
      for (let offset = from; offset < to; offset++) {
        const { customer, occurredAt, id } = records[offset] as (typeof records)[number];
        for (const object of await assembler.add({ offset: BigInt(offset), customerId: customer, event: event(customer, occurredAt, id), size: 1, timestamp: T0 })) written.set(name(object), object);
        if (offset === flushAt) for (const object of assembler.flush()) written.set(name(object), object);
      }
      return assembler;
    };
    const reference = new Map<string, AssembledObject>();
    const whole = await run(reference, 0, records.length, 60);
    for (const object of whole.flush()) reference.set(name(object), object);
    const unique = [...new Set(records.map((record) => `e${record.id}`))].sort();
    expect(whole.duplicates).toBe(records.length - unique.length);

    for (let crash = 1; crash < records.length; crash += 3) {
      const written = new Map<string, AssembledObject>();
      const before = await run(written, 0, crash, crash > 60 ? 60 : undefined);
      const after = await run(written, Number(before.safeOffset()), records.length, crash <= 60 ? 60 : undefined);
      for (const object of after.flush()) written.set(name(object), object);
      expect([...written.values()].flatMap((object) => object.events.map((e) => e.event_id)).sort()).toEqual(unique);
      expect([...written.keys()].sort()).toEqual([...reference.keys()].sort());
    }
  });

  it("with site folders (split_by_site), cuts each site's records into objects of their own, looked up and deduplicated per site", async () => {
    const asked: string[] = [];
    const lookup: BoundaryLookup = async (customer, hour, offset) => {
      asked.push(`${customer} ${hour.site} ${offset}`);
      return undefined;
    };
    const assembler = new PartitionAssembler('t', 0, { maxRecords: 2, maxBytes: 1_000_000, latenessMs: HOUR }, lookup);
    const add = (offset: number, site: string, id = `e${offset}`) =>
      assembler.add({ offset: BigInt(offset), customerId: 'a', event: { ...event('a', T0, offset), event_id: id }, size: 1, timestamp: T0, site });
    const closed: AssembledObject[] = [];
    for (const [offset, site] of [[0, 'shop'], [1, 'blog'], [2, 'shop'], [3, '_none'], [4, 'blog']] as const) closed.push(...(await add(offset, site)));
    // The same event id under another site is another scope, like another customer.
    closed.push(...(await add(5, '_none', 'e0')));
    expect(closed.map((object) => `${object.hour.site} ${object.first}-${object.last} ${object.events.map((e) => e.event_id).join(',')}`)).toEqual([
      'shop 0-2 e0,e2',
      'blog 1-4 e1,e4',
      '_none 3-5 e3,e0',
    ]);
    expect(asked).toEqual(['a shop 0', 'a blog 1', 'a _none 3']);
    expect(assembler.duplicates).toBe(0);
  });

  describe('with erased subjects (issue 20)', () => {
    // Customer a's records, every third one the erased subject's; then a client's retry of an erased one and of a kept one.
    const stream: Array<{ id: number; erased: boolean }> = [];
    for (let index = 0; index < 40; index++) stream.push({ id: index, erased: index % 3 === 0 });
    const withRetries = [...stream.slice(0, 10), { id: 9, erased: true }, { id: 8, erased: false }, ...stream.slice(10)];
    const cuts = (objects: Iterable<AssembledObject>) => [...objects].map((object) => `${object.first}-${object.last}`).sort();
    const run = async (records: typeof stream, erasure: boolean, written: Map<string, AssembledObject>, from = 0, to = records.length) => {
      const lookup: BoundaryLookup = async (_customer, _hour, offset) => [...written.values()].find((object) => object.first <= offset && offset <= object.last);
      // The manifests hold the kept records' ids only.
      const exportedIds = async (_customer: string, _hour: unknown, offset: bigint) =>
        [...written.values()].filter((object) => object.first < offset).flatMap((object) => object.events.filter((e) => !(erasure && records.find((r) => `e${r.id}` === e.event_id)?.erased)).map((e) => e.event_id));
      const assembler = new PartitionAssembler('t', 0, { maxRecords: 4, maxBytes: 1_000_000, latenessMs: HOUR }, lookup, undefined, undefined, exportedIds);
      for (let offset = from; offset < to; offset++) {
        const { id, erased } = records[offset] as (typeof records)[number];
        for (const object of await assembler.add({ offset: BigInt(offset), customerId: 'a', event: event('a', T0, id), size: 1, timestamp: T0, erased: erasure && erased })) written.set(`${object.first}`, object);
      }
      return assembler;
    };

    it('their records hold their places: the erasure list moves no boundary', async () => {
      const before = new Map<string, AssembledObject>();
      const after = new Map<string, AssembledObject>();
      for (const object of (await run(stream, false, before)).flush()) before.set(`${object.first}`, object);
      for (const object of (await run(stream, true, after)).flush()) after.set(`${object.first}`, object);

      expect(cuts(after.values())).toEqual(cuts(before.values()));
    });

    it('a crash at any record and reading again (manifests without erased ids) cuts the same objects, retries of erased records included', async () => {
      const reference = new Map<string, AssembledObject>();
      for (const object of (await run(withRetries, true, reference)).flush()) reference.set(`${object.first}`, object);
      for (let crash = 1; crash < withRetries.length; crash += 2) {
        const written = new Map<string, AssembledObject>();
        const first = await run(withRetries, true, written, 0, crash);
        const second = await run(withRetries, true, written, Number(first.safeOffset()));
        for (const object of second.flush()) written.set(`${object.first}`, object);
        expect(cuts(written.values())).toEqual(cuts(reference.values()));
      }
    });
  });

  it('holds the commit at the first record of an open object', async () => {
    const assembler = new PartitionAssembler('t', 0, { maxRecords: 10, maxBytes: 1_000_000, latenessMs: HOUR }, async () => undefined);
    await assembler.add({ offset: 7n, customerId: 'a', event: event('a', T0, 7), size: 1, timestamp: T0 });
    assembler.skip(8n);
    expect(assembler.safeOffset()).toBe(7n);
    expect(assembler.discard('a')).toBe(7n);
    expect(assembler.safeOffset()).toBe(9n);
  });

  it('refuses a record when the lookup fails, changing nothing', async () => {
    const assembler = new PartitionAssembler('t', 0, { maxRecords: 10, maxBytes: 1_000_000, latenessMs: HOUR }, async () => {
      throw new Error('bucket gone');
    });
    await expect(assembler.add({ offset: 3n, customerId: 'a', event: event('a', T0, 3), size: 1, timestamp: T0 })).rejects.toThrow('bucket gone');
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

  it('keeps every site the gateway writes as its folder name, and encodes anything else so it stays in its folder and out of _none', () => {
    for (const site of ['shop', 'blog_2-eu', 'news.example.com', 'host:localhost', '2001:db8::1']) expect(siteFolder(site)).toBe(site);
    expect(siteFolder(null)).toBe('_none');
    expect(siteFolder('_none')).toBe('%5Fnone');
    expect(siteFolder('../x/y')).toBe('..%2Fx%2Fy');
    expect(siteFolder('..')).toBe('%2E%2E');
    expect(siteFolder('')).toBe('%5F');
    expect(siteFolder('café')).toBe('caf%C3%A9');
  });

  it("puts a split customer's site folder before the dates, in objects, claims, manifests and metering records alike", () => {
    const folder = { ...eventHour(Date.UTC(2026, 0, 2, 3)), site: siteFolder('shop.example.com') };
    const stem = objectStem('tracking.events.v1', 4, 1n, 2n);
    expect(hourDirectory('exports', 'agency', folder)).toBe('exports/customer=agency/site=shop.example.com/dt=2026-01-02/hour=03/');
    expect(manifestKey('exports', 'agency', folder, stem)).toBe(`exports/_manifests/customer=agency/site=shop.example.com/dt=2026-01-02/hour=03/${stem}.ids`);
    expect(meteringKey('', 'agency', folder, stem)).toBe(`_metering/customer=agency/site=shop.example.com/dt=2026-01-02/hour=03/${stem}.json`);
    expect(claimKey('exports', 'agency', { ...folder, site: siteFolder(null) }, 'tracking.events.v1', 4, 1n)).toBe(
      'exports/_claims/customer=agency/site=_none/dt=2026-01-02/hour=03/tracking.events.v1+4+0000000001',
    );
  });
});
