import pino from 'pino';
import type { TrackingEvent } from '@tracking/contracts';
import type { ConsumerControl } from '@tracking/kafka';
import type { ExporterConfig } from '../config/exporter.config';
import type { SiteDomainRegistry } from '../metering/site-domain.registry';
import type { BoundaryLedger } from '../s3/boundary.ledger';
import type { ExportTarget } from '../targets/export-target';
import type { ExportTargets } from '../targets/export-targets';
import { BucketError } from './bucket.error';
import { PartitionRegistry } from './partition.registry';
import type { PartitionState } from './partition-state';

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);

function event(customer: string, id: number): TrackingEvent {
  return { event_id: `e${id}`, customer_id: customer, occurred_at: T0, event_data: '{}' } as TrackingEvent;
}

function newSut() {
  let groupJoined: (assignment: Record<string, number[]>) => void = () => undefined;
  const mocks = {
    consumer: {
      commit: jest.fn(async () => undefined),
      seek: jest.fn(),
      pauseAll: jest.fn(),
      onGroupJoin: jest.fn((listener: (assignment: Record<string, number[]>) => void) => void (groupJoined = listener)),
    } satisfies ConsumerControl,
    ledger: {
      containing: jest.fn(async () => undefined),
      exportedIds: jest.fn(async () => [] as string[]),
      forgetListings: jest.fn(),
    },
    domains: { hasUnpublished: jest.fn(() => false) },
    targets: { targets: new Map([['a', { customerId: 'a' } as ExportTarget], ['b', { customerId: 'b' } as ExportTarget]]), broken: new Map(), unexported: new Set() } as ExportTargets,
  };
  const config = { limits: { maxRecords: 100, maxBytes: 1_000_000, latenessMs: 3_600_000 } } as ExporterConfig;
  const sut = new PartitionRegistry(
    mocks.consumer,
    mocks.targets,
    config,
    mocks.ledger as unknown as BoundaryLedger,
    mocks.domains as unknown as SiteDomainRegistry,
    pino({ level: 'silent' }),
  );
  sut.onModuleInit();
  return { sut, mocks, joinNewGeneration: () => groupJoined({ t: [0] }) };
}

/** Adds records of the given customers at offsets 0, 1, ... */
async function fill(state: PartitionState, customers: string[]): Promise<void> {
  for (const [offset, customer] of customers.entries()) await state.assembler.add({ offset: BigInt(offset), customerId: customer, event: event(customer, offset), size: 10, timestamp: T0 });
}

describe(PartitionRegistry.name, () => {
  describe('commit', () => {
    it('commits up to the first record still in an open object', async () => {
      const { sut, mocks } = newSut();
      const state = sut.stateOf('t', 0);
      await fill(state, ['a', 'a']);
      state.assembler.flush('a');
      await state.assembler.add({ offset: 2n, customerId: 'b', event: event('b', 2), size: 10, timestamp: T0 });
      await sut.commit(state);
      expect(mocks.consumer.commit).toHaveBeenCalledWith('t', 0, 2n);
    });

    it('never commits past an object still being written', async () => {
      const { sut, mocks } = newSut();
      const state = sut.stateOf('t', 0);
      await fill(state, ['a', 'a', 'a']);
      state.assembler.flush();
      state.pending.set(1, { customerId: 'a', first: 0n, bytes: 30, events: 3 });
      await sut.commit(state);
      expect(mocks.consumer.commit).toHaveBeenLastCalledWith('t', 0, 0n);
      state.pending.delete(1);
      await sut.commit(state);
      expect(mocks.consumer.commit).toHaveBeenCalledWith('t', 0, 3n);
    });

    it('holds every commit while a billing event is only in memory', async () => {
      const { sut, mocks } = newSut();
      const state = sut.stateOf('t', 0);
      state.assembler.skip(9n);
      mocks.domains.hasUnpublished.mockReturnValue(true);
      await sut.commit(state);
      expect(mocks.consumer.commit).not.toHaveBeenCalled();
    });

    it('does not commit for a partition of an earlier generation', async () => {
      const { sut, mocks, joinNewGeneration } = newSut();
      const state = sut.stateOf('t', 0);
      state.assembler.skip(9n);
      joinNewGeneration();
      await sut.commit(state);
      expect(mocks.consumer.commit).not.toHaveBeenCalled();
      expect(sut.isCurrent(state)).toBe(false);
      expect(sut.stateOf('t', 0)).not.toBe(state);
      expect(mocks.ledger.forgetListings).toHaveBeenCalled();
    });
  });

  describe('detachCustomer', () => {
    it("drops the customer's open and waiting objects and holds the commit at the first record it did not export", async () => {
      const { sut, mocks } = newSut();
      const state = sut.stateOf('t', 0);
      await fill(state, ['b', 'a', 'b']);
      state.pending.set(7, { customerId: 'b', first: 0n, bytes: 10, events: 1 });
      sut.detachCustomer('b');
      await sut.forEach(() => undefined);
      expect(state.pending.size).toBe(0);
      expect(state.detached.get('b')).toBe(0n);
      expect(state.assembler.openEvents()).toEqual(new Map([['a', 1]]));
      await sut.commit(state);
      expect(mocks.consumer.commit).toHaveBeenLastCalledWith('t', 0, 0n);
    });
  });

  describe('rewindCustomer', () => {
    it('reads each partition the customer missed again from its commit point', async () => {
      const { sut, mocks } = newSut();
      const missed = sut.stateOf('t', 0);
      sut.stateOf('t', 1).assembler.skip(4n);
      missed.assembler.skip(5n);
      missed.detach('a', 3n);
      expect(await sut.rewindCustomer('a')).toBe(1);
      expect(mocks.consumer.seek).toHaveBeenCalledWith('t', 0, 3n);
      expect(missed.detached.has('a')).toBe(false);
    });
  });

  describe('when a bucket cannot be listed', () => {
    it("says so with a BucketError naming the customer, so only that customer waits", async () => {
      const { sut, mocks } = newSut();
      mocks.ledger.containing.mockRejectedValue(Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' }));
      const state = sut.stateOf('t', 0);
      const adding = state.assembler.add({ offset: 0n, customerId: 'a', event: event('a', 0), size: 10, timestamp: T0 });
      await expect(adding).rejects.toBeInstanceOf(BucketError);
      await expect(adding).rejects.toThrow('cannot list the objects of a: TimeoutError: connect ECONNREFUSED');
    });
  });
});
