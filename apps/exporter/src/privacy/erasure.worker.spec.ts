import pino from 'pino';
import { type GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { ErasureReport, ErasureRequestRecord, TrackingEvent } from '@tracking/contracts';
import type { CustomerSource } from '@tracking/customer-store';
import { subjectHash, type ErasureRequestListener } from '@tracking/privacy';
import type { ExporterConfig } from '../config/exporter.config';
import type { S3Clients } from '../s3/s3-clients';
import type { ExportTarget } from '../targets/export-target';
import type { ExportTargets } from '../targets/export-targets';
import { emptyTally, type ErasureRewriter, type RewriteTally } from './erasure.rewriter';
import { ErasureWorker, erasureMarkerKey, requestSubjects } from './erasure.worker';
import type { ErasureWorkLease } from './erasure-work.lease';
import type { ExporterErasures } from './exporter-erasures';

const request = (id: string, customerId: string, visitor: string): ErasureRequestRecord => ({
  request_id: id,
  customer_id: customerId,
  requested_at: 1,
  requested_by: 'test',
  visitor_hks: [subjectHash(customerId, visitor)],
  user_hks: [],
});

const target = { customerId: 'a', prefix: 'p', client: { bucket: 'client' }, backup: { bucket: 'backup' } } as ExportTarget;

function setup(options: { rewrite?: () => Promise<RewriteTally> } = {}) {
  const objects = new Set<string>();
  const clients = {
    for: () => ({
      send: async (command: GetObjectCommand | PutObjectCommand) => {
        const path = `${command.input.Bucket}/${command.input.Key}`;
        if (command instanceof PutObjectCommand) return objects.add(path);
        if (!objects.has(path)) throw Object.assign(new Error('missing'), { name: 'NoSuchKey' });
        return {};
      },
    }),
  } as unknown as S3Clients;
  const reports: ErasureReport[] = [];
  let listener: ErasureRequestListener = () => undefined;
  const requests: ErasureRequestRecord[] = [];
  const erasures = {
    readyOnce: Promise.resolve(),
    onRequest: (added: ErasureRequestListener) => (listener = added),
    requests: () => requests,
    erased: () => false,
    report: async (report: ErasureReport) => void reports.push(report),
  } as unknown as ExporterErasures;
  let leaseListener: (held: boolean) => void = () => undefined;
  const lease = { held: false, start: async () => undefined, onChange: (added: (held: boolean) => void) => (leaseListener = added) };
  const rewriteCustomer = jest.fn(options.rewrite ?? (async () => ({ ...emptyTally(), objectsScanned: 3, objectsRewritten: 2, recordsFound: 5, recordsRemoved: 5, erasedRemoved: 5 })));
  const targets = { targets: new Map([['a', target]]), broken: new Map(), unexported: new Set(['quiet']) } as ExportTargets;
  const sut = new ErasureWorker(
    erasures,
    lease as unknown as ErasureWorkLease,
    { rewriteCustomer } as unknown as ErasureRewriter,
    clients,
    targets,
    { readyOnce: Promise.resolve() } as unknown as CustomerSource,
    { retryBaseMs: 1, retryMaxMs: 5 } as ExporterConfig,
    pino({ level: 'silent' }),
  );
  const hold = async (held: boolean) => {
    lease.held = held;
    leaseListener(held);
    await new Promise((resolve) => setImmediate(resolve));
  };
  const arrive = (record: ErasureRequestRecord) => {
    requests.push(record);
    void listener(record, { initial: false });
  };
  return { sut, reports, objects, rewriteCustomer, hold, arrive, requests };
}

const started = async (sut: ErasureWorker) => {
  sut.onApplicationBootstrap();
  await new Promise((resolve) => setImmediate(resolve));
};

describe(ErasureWorker.name, () => {
  it('rewrites the buckets, marks the request applied and reports found and removed, only while it holds the lease', async () => {
    const { sut, reports, objects, rewriteCustomer, hold, arrive } = setup();
    await started(sut);
    arrive(request('r1', 'a', 'v'));
    await sut.idle();
    expect(rewriteCustomer).not.toHaveBeenCalled();

    await hold(true);
    await sut.idle();
    expect(rewriteCustomer).toHaveBeenCalledTimes(1);
    expect(objects.has(`backup/${erasureMarkerKey('p', 'a', 'r1')}`)).toBe(true);
    expect(reports).toEqual([expect.objectContaining({ request_id: 'r1', customer_id: 'a', place: 'exporter', state: 'done', found: 5, removed: 5, detail: expect.stringContaining('2 of 3 objects rewritten') })]);

    // A new holder (or this one again) finds the marker: nothing is done twice.
    await hold(false);
    await hold(true);
    await sut.idle();
    expect(rewriteCustomer).toHaveBeenCalledTimes(1);
    expect(reports).toHaveLength(1);
  });

  it("reports a failing bucket as failed with the reason and tries again until it succeeds", async () => {
    let attempts = 0;
    const { sut, reports, hold, arrive } = setup({
      rewrite: async () => {
        attempts += 1;
        if (attempts < 3) throw new Error('connect ECONNREFUSED 127.0.0.1:4568');
        return { ...emptyTally(), objectsScanned: 1, objectsRewritten: 1, recordsFound: 1, recordsRemoved: 1, erasedRemoved: 1 };
      },
    });
    await started(sut);
    await hold(true);
    arrive(request('r2', 'a', 'v'));
    await sut.idle();

    expect(reports.map((report) => report.state)).toEqual(['failed', 'failed', 'done']);
    expect(reports[0]?.detail).toContain('ECONNREFUSED');
  });

  it("reports a customer without s3_export done at once, and leaves another exporter's customers alone", async () => {
    const { sut, reports, rewriteCustomer, hold, arrive } = setup();
    await started(sut);
    await hold(true);
    arrive(request('r3', 'quiet', 'v'));
    arrive(request('r4', 'someone_elses', 'v'));
    await sut.idle();

    expect(rewriteCustomer).not.toHaveBeenCalled();
    expect(reports).toEqual([expect.objectContaining({ request_id: 'r3', state: 'done', found: 0, removed: 0, detail: expect.stringContaining('no s3_export') })]);
  });
});

describe(requestSubjects.name, () => {
  it("matches the request's visitors and users as the vault's hash keys do (trimmed, any case), and nobody else", () => {
    const matches = requestSubjects({ ...request('r', 'a', 'Vis-1'), user_hks: [subjectHash('a', 'user-9')] });
    const event = (visitor: string | null, user: string | null) => ({ visitor_id: visitor, user_id: user }) as TrackingEvent;

    expect(matches(event(' vis-1 ', null))).toBe(true);
    expect(matches(event(null, 'USER-9'))).toBe(true);
    expect(matches(event('vis-2', 'user-8'))).toBe(false);
    expect(matches(event('user-9', null))).toBe(false);
  });
});
