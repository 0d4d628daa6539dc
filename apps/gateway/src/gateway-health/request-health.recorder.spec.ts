import type { Logger } from '@tracking/observability';
import type { GatewayRequest } from '../http/gateway-request';
import { latencyBucket } from './latency-histogram';
import { RequestHealthRecorder } from './request-health.recorder';
import type { MinuteTally, RequestHealthRepository } from './request-health.repository';

const setup = () => {
  const written: { minutes: MinuteTally[][]; errors: unknown[][] } = { minutes: [], errors: [] };
  const mocks = {
    repository: {
      addMinutes: jest.fn(async (tallies: MinuteTally[]) => void written.minutes.push(tallies.map((tally) => ({ ...tally, buckets: [...tally.buckets] })))),
      addErrors: jest.fn(async (errors: unknown[]) => void written.errors.push(errors)),
      prune: jest.fn(async () => undefined),
    },
    logger: { warn: jest.fn() },
  };
  const sut = new RequestHealthRecorder(mocks.repository as unknown as RequestHealthRepository, mocks.logger as unknown as Logger);
  return { sut, mocks, written };
};

const at = Date.UTC(2026, 11, 7, 10, 30, 15);
const request = (extra: Partial<GatewayRequest> = {}): GatewayRequest => ({ customer: { customerId: 'one_spa' }, receivedAt: at, ...extra }) as unknown as GatewayRequest;

describe(RequestHealthRecorder.name, () => {
  it('counts requests per tenant and minute in a latency histogram, and writes them on flush', async () => {
    const { sut, written } = setup();
    sut.record(request(), 200, 3, '/api/v1/track');
    sut.record(request(), 200, 40, '/api/v1/track');
    sut.record(request({ customer: undefined }), 200, 3, '/api/v1/track');
    await sut.flush();
    expect(written.minutes).toHaveLength(1);
    const [tally] = written.minutes[0] as MinuteTally[];
    expect(tally).toMatchObject({ customerId: 'one_spa', minute: Date.UTC(2026, 11, 7, 10, 30), requests: 2, errors: 0 });
    expect(tally?.buckets[latencyBucket(3)]).toBe(1);
    expect(tally?.buckets[latencyBucket(40)]).toBe(1);
  });

  it('keeps an error answer with its code and a masked message, and a refusal before authentication by its kind only', async () => {
    const { sut, written } = setup();
    sut.record(request({ errorAnswer: { code: 'INVALID_REQUEST', message: 'bad token ovt_abcdefghijkl from 203.0.113.9' } }), 400, 2, '/api/v1/track');
    sut.record(request({ customer: undefined, abuse: { kind: 'invalid_credentials', customerId: 'one_spa' }, errorAnswer: { code: 'UNAUTHORIZED', message: 'Origin "https://other.example" refused' } }), 401, 1, '/console/api/overview');
    await sut.flush();
    expect(written.errors[0]).toEqual([
      expect.objectContaining({ customerId: 'one_spa', status: 400, errorCode: 'INVALID_REQUEST', route: '/api/v1/track', message: 'bad token [redacted] from [address]' }),
      expect.objectContaining({ customerId: 'one_spa', status: 401, errorCode: 'UNAUTHORIZED', message: 'Refused before authentication (invalid_credentials)' }),
    ]);
    expect((written.minutes[0] as MinuteTally[])[0]).toMatchObject({ requests: 2, errors: 2 });
  });

  it('keeps the tallies of a failed write for the next flush, added to what came since', async () => {
    const { sut, mocks, written } = setup();
    mocks.repository.addMinutes.mockRejectedValueOnce(new Error('database away'));
    // Now: a tally older than the retry window (an hour) would be dropped instead.
    const now = request({ receivedAt: Date.now() });
    sut.record(now, 200, 3, '/api/v1/track');
    await sut.flush();
    sut.record(now, 200, 3, '/api/v1/track');
    await sut.flush();
    expect(mocks.logger.warn).toHaveBeenCalledTimes(1);
    expect(written.minutes).toHaveLength(1);
    expect((written.minutes[0] as MinuteTally[])[0]).toMatchObject({ requests: 2 });
  });
});
