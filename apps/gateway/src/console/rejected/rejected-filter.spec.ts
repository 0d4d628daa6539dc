import { ApiError } from '@tracking/http';
import { DEFAULT_PAGE_SIZE, rejectionFilterOf } from './rejected-filter';

describe(rejectionFilterOf.name, () => {
  it('reads the defaults and every filter', () => {
    expect(rejectionFilterOf({})).toEqual({ limit: DEFAULT_PAGE_SIZE, offset: 0 });
    expect(rejectionFilterOf({ source: 'gateway', reason: ' absolute ', field: 'page_url', from: '2026-12-01', to: '2026-12-07T10:00:00Z', limit: '10', offset: '20' })).toEqual({
      origin: 'gateway',
      reason: 'absolute',
      field: 'page_url',
      from: new Date('2026-12-01'),
      to: new Date('2026-12-07T10:00:00Z'),
      limit: 10,
      offset: 20,
    });
  });

  it.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: '201' }, 'limit'],
    [{ offset: '-1' }, 'offset'],
    [{ source: 'kafka' }, 'source'],
    [{ from: 'yesterday' }, 'from'],
    [{ from: '2026-12-07', to: '2026-12-01' }, 'to'],
    [{ reason: 'x'.repeat(201) }, 'reason'],
  ])('refuses %j naming %s', (query, field) => {
    let caught: unknown;
    try {
      rejectionFilterOf(query);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ApiError);
    expect((caught as ApiError).status).toBe(400);
    expect((caught as ApiError).details?.map((detail) => detail.field)).toEqual([field]);
  });
});
