import pino from 'pino';
import { Registry } from 'prom-client';
import type { ErasureReport, ErasureRequestRecord } from '@tracking/contracts';
import type { ErasureList, ErasureReporter, ErasureRequestListener } from '@tracking/privacy';
import { AutomationMetrics } from '../automation.metrics';
import type { AutomationTriggerConfig } from '../config/automation-trigger.config';
import type { ErasureApplication, TriggerErasureRepository, UnreportedErasure } from './trigger-erasure.repository';
import { ERASURE_PLACE, TriggerErasure } from './trigger-erasure.service';

const REQUEST: ErasureRequestRecord = {
  request_id: 'req-1',
  customer_id: 'acme',
  requested_at: 1,
  requested_by: 'test',
  visitor_hks: ['aa'],
  user_hks: [],
};

function setup(applications: Array<ErasureApplication | Error>, unreported: UnreportedErasure[] = [], appliedBefore: string[] = []) {
  let listener: ErasureRequestListener | undefined;
  const list = { onRequest: (added: ErasureRequestListener) => (listener = added) } as unknown as ErasureList;
  const reports: ErasureReport[] = [];
  const reporter = { report: async (report: ErasureReport) => void reports.push(report) } as unknown as ErasureReporter;
  const marked: string[] = [];
  const apply = jest.fn(async () => {
    const next = applications.shift();
    if (!next) throw new Error('no more applications in this test');
    if (next instanceof Error) throw next;
    return next;
  });
  const repository = {
    apply,
    appliedAlready: async () => new Set(appliedBefore),
    markReported: async (requestId: string) => void marked.push(requestId),
    unreported: async () => unreported.splice(0),
  } as unknown as TriggerErasureRepository;
  const config = { delivery: { pollMs: 5 } } as AutomationTriggerConfig;
  const sut = new TriggerErasure(list, repository, reporter, new AutomationMetrics(new Registry()), config, pino({ level: 'silent' }));
  sut.onModuleInit();
  const hear = (request: ErasureRequestRecord, initial = false) => listener?.(request, { initial });
  return { sut, hear, reports, marked, apply };
}

async function drained(sut: TriggerErasure): Promise<void> {
  for (let i = 0; i < 200 && sut.queued > 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe(TriggerErasure.name, () => {
  it('applies a request it hears of and reports what it found and removed, once', async () => {
    const { sut, hear, reports, marked } = setup([{ outcome: 'applied', counts: { found: 3, removed: 3, cancelled: 1 } }]);
    sut.onApplicationBootstrap();
    await hear(REQUEST);
    await drained(sut);
    await sut.beforeApplicationShutdown();

    expect(reports).toEqual([
      expect.objectContaining({ request_id: 'req-1', customer_id: 'acme', place: ERASURE_PLACE, state: 'done', found: 3, removed: 3, detail: expect.stringContaining('1 pending deliveries cancelled') }),
    ]);
    expect(marked).toEqual(['req-1']);
  });

  it('reports nothing for a request another instance already applied', async () => {
    const { sut, hear, reports, apply } = setup([{ outcome: 'already', counts: { found: 1, removed: 1, cancelled: 0 }, reported: true }]);
    sut.onApplicationBootstrap();
    await hear(REQUEST, true);
    await drained(sut);
    await sut.beforeApplicationShutdown();

    expect(apply).toHaveBeenCalledTimes(1);
    expect(reports).toEqual([]);
  });

  it('skips, without a transaction, the requests read at start that were applied before with the same subjects', async () => {
    const { sut, hear, reports, apply } = setup([{ outcome: 'applied', counts: { found: 1, removed: 1, cancelled: 0 } }], [], ['req-old']);
    await hear({ ...REQUEST, request_id: 'req-old' }, true);
    await hear(REQUEST, true);
    sut.onApplicationBootstrap();
    await drained(sut);
    await sut.beforeApplicationShutdown();

    expect(apply).toHaveBeenCalledTimes(1);
    expect(reports.map((report) => report.request_id)).toEqual(['req-1']);
  });

  it('reports a failure once, keeps the request and reports it done once the database answers again', async () => {
    const { sut, hear, reports } = setup([new Error('database away'), new Error('database away'), { outcome: 'applied', counts: { found: 0, removed: 0, cancelled: 0 } }]);
    sut.onApplicationBootstrap();
    await hear(REQUEST);
    await drained(sut);
    await sut.beforeApplicationShutdown();

    expect(reports.map((report) => report.state)).toEqual(['failed', 'done']);
    expect(reports[0]?.detail).toContain('database away');
  });

  it("sends the report an instance never sent (it stopped between applying and reporting)", async () => {
    const { sut, reports, marked } = setup([], [{ requestId: 'req-0', customerId: 'acme', counts: { found: 2, removed: 2, cancelled: 0 } }]);
    sut.onApplicationBootstrap();
    for (let i = 0; i < 100 && reports.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    await sut.beforeApplicationShutdown();

    expect(reports).toEqual([expect.objectContaining({ request_id: 'req-0', state: 'done', found: 2, removed: 2 })]);
    expect(marked).toEqual(['req-0']);
  });
});
