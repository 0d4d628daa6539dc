import pino from 'pino';
import { Registry } from 'prom-client';
import type { ExporterConfig } from '../config/exporter.config';
import { ExporterMetrics } from '../exporter.metrics';
import type { ExportTarget } from '../targets/export-target';
import type { ExportTargets } from '../targets/export-targets';
import type { BucketProbe } from './bucket.probe';
import { CustomerHealthMonitor } from './customer-health.monitor';

function newSut() {
  const mocks = {
    probe: { check: jest.fn(async (_target: ExportTarget) => undefined) },
    metrics: new ExporterMetrics(new Registry()),
  };
  const targets = { targets: new Map([['a', { customerId: 'a' } as ExportTarget]]), broken: new Map(), unexported: new Set() } as ExportTargets;
  const config = { retryBaseMs: 1000, retryMaxMs: 8000 } as ExporterConfig;
  const sut = new CustomerHealthMonitor(targets, config, mocks.probe as unknown as BucketProbe, mocks.metrics, pino({ level: 'silent' }));
  return { sut, mocks };
}

describe(CustomerHealthMonitor.name, () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: Date.UTC(2026, 11, 1) });
    jest.spyOn(Math, 'random').mockReturnValue(1);
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  describe('failed', () => {
    it('makes the customer failing once, and counts every failure', async () => {
      const { sut, mocks } = newSut();
      expect(sut.failed('a', new Error('refused'))).toBe(true);
      expect(sut.failed('a', new Error('refused again'))).toBe(false);
      expect(sut.isFailing('a')).toBe(true);
      expect(sut.states().get('a')?.lastError?.message).toBe('Error: refused again');
      expect(await mocks.metrics.writeFailures.get()).toMatchObject({ values: [{ labels: { customer: 'a' }, value: 2 }] });
    });
  });

  describe('probeDue', () => {
    it('does not probe before the backoff has passed', async () => {
      const { sut, mocks } = newSut();
      sut.failed('a', new Error('refused'));
      jest.advanceTimersByTime(999);
      expect(await sut.probeDue()).toEqual([]);
      expect(mocks.probe.check).not.toHaveBeenCalled();
    });

    it('waits longer after each failed probe, up to the ceiling', async () => {
      const { sut, mocks } = newSut();
      mocks.probe.check.mockRejectedValue(new Error('still down'));
      sut.failed('a', new Error('refused'));
      const waits: number[] = [];
      for (let round = 0; round < 5; round++) {
        const before = sut.states().get('a')?.failing?.nextProbeAt as number;
        jest.setSystemTime(before);
        await sut.probeDue();
        waits.push((sut.states().get('a')?.failing?.nextProbeAt as number) - before);
      }
      expect(waits).toEqual([2000, 4000, 8000, 8000, 8000]);
      expect(sut.states().get('a')?.lastError?.message).toBe('probe: still down');
    });

    it('returns the customers whose buckets answer again, no longer failing', async () => {
      const { sut } = newSut();
      sut.failed('a', new Error('refused'));
      jest.advanceTimersByTime(1000);
      expect(await sut.probeDue()).toEqual(['a']);
      expect(sut.isFailing('a')).toBe(false);
    });
  });

  describe('written', () => {
    it('counts what was written and starts the backoff afresh', () => {
      const { sut } = newSut();
      sut.failed('a', new Error('refused'));
      sut.written('a', { key: 'k', bytes: 10, events: 2 });
      expect(sut.states().get('a')).toMatchObject({ objectsWritten: 1, eventsWritten: 2, bytesWritten: 10, lastObjectKey: 'k', consecutiveFailures: 0 });
    });

    it('counts an object written again under the same key (its records read again) once', () => {
      const { sut } = newSut();
      sut.written('a', { key: 'k1', bytes: 10, events: 2 });
      sut.written('a', { key: 'k1', bytes: 10, events: 2 });
      sut.written('a', { key: 'k2', bytes: 5, events: 1 });
      expect(sut.states().get('a')).toMatchObject({ objectsWritten: 2, eventsWritten: 3, bytesWritten: 15, lastObjectKey: 'k2' });
    });
  });
});
