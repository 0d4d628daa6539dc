import pino from 'pino';
import type { ErasureList, ErasurePublisher, ErasureReporter, ErasureRequestListener } from '@tracking/privacy';
import { subjectHash } from '@tracking/privacy';
import type { ErasureOutcome, ErasureRepository } from './erasure.repository';
import { ErasureService } from './erasure.service';

const outcome = (requestId: string): ErasureOutcome => ({
  result: { request_id: requestId, customer_id: 'acme', erased_visitors: 2, erased_users: 1, rows_anonymised: { 'staging.site_events': 3 } },
  eventsFound: 3,
  eventsAnonymised: 3,
});

function setUp() {
  const calls: string[] = [];
  let listener: ErasureRequestListener | undefined;
  const repository = {
    linked: jest.fn(async () => ({ visitors: ['v1', 'v2'], users: ['u1'], sessions: [], eventIds: [] })),
    erase: jest.fn(async (request: { requestId?: string }) => {
      calls.push('erase');
      return outcome(request.requestId ?? '');
    }),
    applyRequest: jest.fn(async (record: { request_id: string }) => {
      calls.push(`apply ${record.request_id}`);
      return outcome(record.request_id);
    }),
  };
  const publisher = { publish: jest.fn(async (_record: unknown) => void calls.push('publish')), disconnect: jest.fn(async () => undefined) };
  const reporter = { report: jest.fn(async () => void calls.push('report')) };
  const list = { onRequest: (added: ErasureRequestListener) => (listener = added) };
  const sut = new ErasureService(
    repository as unknown as ErasureRepository,
    list as unknown as ErasureList,
    reporter as unknown as ErasureReporter,
    publisher as unknown as ErasurePublisher,
    pino({ level: 'silent' }),
  );
  sut.onModuleInit();
  return { sut, calls, repository, publisher, reporter, listener: () => listener as ErasureRequestListener };
}

describe(ErasureService.name, () => {
  it('records the request (hashes of every linked id only) before erasing, then reports the vault done', async () => {
    const { sut, calls, publisher, reporter } = setUp();

    const result = await sut.request({ customerId: 'acme', visitorId: 'v1', requestedBy: 'ticket-1' });

    expect(calls).toEqual(['publish', 'erase', 'report']);
    const [record] = publisher.publish.mock.calls[0] as unknown as [{ request_id: string; visitor_hks: string[]; user_hks: string[]; requested_by: string }];
    expect(record).toMatchObject({ request_id: result.request_id, requested_by: 'ticket-1', visitor_hks: [subjectHash('acme', 'v1'), subjectHash('acme', 'v2')], user_hks: [subjectHash('acme', 'u1')] });
    expect(JSON.stringify(record)).not.toMatch(/"v1"|"v2"|"u1"/);
    expect(reporter.report).toHaveBeenCalledWith(expect.objectContaining({ request_id: result.request_id, place: 'vault', state: 'done', found: 3, removed: 3 }));
  });

  it('erases nothing and answers 503 when the request cannot be recorded', async () => {
    const { sut, repository, publisher } = setUp();
    publisher.publish.mockRejectedValueOnce(new Error('no leader'));

    await expect(sut.request({ customerId: 'acme', userId: 'u1', requestedBy: 'x' })).rejects.toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    expect(repository.erase).not.toHaveBeenCalled();
  });

  it('applies a request read from the list unless this instance is taking it itself, and reports it', async () => {
    const { sut, calls, listener, publisher } = setUp();
    let heardOwn: Promise<void> | undefined;
    publisher.publish.mockImplementationOnce(async (record: unknown) => {
      calls.push('publish');
      // Its own reader hears the request while the instance is applying it: left alone.
      heardOwn = Promise.resolve(listener()(record as never, { initial: false }));
    });
    await sut.request({ customerId: 'acme', visitorId: 'v1', requestedBy: 'x' });
    await heardOwn;
    expect(calls).toEqual(['publish', 'erase', 'report']);

    await listener()({ request_id: 'elsewhere', customer_id: 'acme', requested_at: 1, requested_by: 'y', visitor_hks: ['aa'], user_hks: [] }, { initial: true });
    expect(calls.slice(3)).toEqual(['apply elsewhere', 'report']);
  });
});
