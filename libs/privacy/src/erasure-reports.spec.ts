import type { ErasureReport, ErasureRequestRecord } from '@tracking/contracts';
import { erasureStatus } from './erasure-reports';

const request: ErasureRequestRecord = {
  request_id: 'r1',
  customer_id: 'acme',
  requested_at: Date.UTC(2026, 0, 1),
  requested_by: 'ops',
  visitor_hks: ['aa', 'bb'],
  user_hks: ['cc'],
};

const report = (place: ErasureReport['place'], requestId = 'r1'): ErasureReport => ({
  request_id: requestId,
  customer_id: 'acme',
  place,
  instance: 'host/1',
  state: 'done',
  found: 7,
  removed: 7,
  finished_at: Date.UTC(2026, 0, 1, 0, 1),
  detail: null,
});

describe(erasureStatus.name, () => {
  it('shows each place that reported with its figures and the others as pending', () => {
    const status = erasureStatus(request, [report('vault'), report('exporter', 'another request')]);

    expect(status.places.vault).toEqual({ state: 'done', found: 7, removed: 7, finished_at: '2026-01-01T00:01:00.000Z', instance: 'host/1', detail: null });
    expect(status.places.exporter.state).toBe('pending');
    expect(status.places['automation-trigger']).toEqual({ state: 'pending', found: null, removed: null, finished_at: null, instance: null, detail: null });
    expect(status.subjects).toEqual({ visitors: 2, users: 1 });
    expect(status.requested_at).toBe('2026-01-01T00:00:00.000Z');
  });
});
