import pino from 'pino';
import { ReadinessRegistry } from '@tracking/observability';
import type { ErasureList } from './erasure-list';
import type { ErasureReporter } from './erasure-publishers';
import { ErasureListRunner } from './privacy.providers';

describe(ErasureListRunner.name, () => {
  it('keeps the service not ready until the erasure list is read to its end, then ready', async () => {
    let read = false;
    let finishReading: () => void = () => undefined;
    const list = {
      start: () => new Promise<void>((resolve) => (finishReading = () => ((read = true), resolve()))),
      check: async () => {
        if (!read) throw new Error('erasures: not read to the end yet');
      },
      get ready() {
        return read;
      },
      requests: () => [],
      stop: async () => undefined,
    } as unknown as ErasureList;
    const readiness = new ReadinessRegistry();
    const sut = new ErasureListRunner(list, { disconnect: async () => undefined } as unknown as ErasureReporter, pino({ level: 'silent' }), readiness);
    const starting = sut.onModuleInit();

    expect((await readiness.report()).checks['erasures']).toEqual({ status: 'down', error: 'erasures: not read to the end yet' });
    finishReading();
    await starting;
    expect((await readiness.report()).checks['erasures']).toEqual({ status: 'up' });
    await sut.onApplicationShutdown();
  });
});
