import { markdownTable, met, ratioRow } from './results';

describe('benchmark results', () => {
  const baseline = { value: 1000, unit: 'records/s', what: 'bare producer' };

  it('judges a ratio target against the baseline of the same run', () => {
    expect(met(ratioRow('gateway', { value: 700, unit: 'events/s' }, baseline, { kind: 'ratio-at-least', value: 0.7 }))).toBe(true);
    expect(met(ratioRow('gateway', { value: 699, unit: 'events/s' }, baseline, { kind: 'ratio-at-least', value: 0.7 }))).toBe(false);
  });

  it('judges an upper bound on the figure itself and leaves report-only rows unjudged', () => {
    expect(met({ what: 'p99', figure: { value: 21, unit: 'ms' }, target: { kind: 'at-most', value: 20, unit: 'ms' } })).toBe(false);
    expect(met({ what: 'p99', figure: { value: 20, unit: 'ms' }, target: { kind: 'at-most', value: 20, unit: 'ms' } })).toBe(true);
    expect(met({ what: 'replay', figure: { value: 1, unit: 's' }, target: { kind: 'report' } })).toBeUndefined();
  });

  it('prints figure, baseline, ratio and verdict in one row each', () => {
    const table = markdownTable([ratioRow('gateway, bulk', { value: 650, unit: 'events/s' }, baseline, { kind: 'ratio-at-least', value: 0.7 }, { 'p99 ms': '12' })]);
    expect(table.split('\n')[2]).toBe('| gateway, bulk | 650 events/s (p99 ms 12) | 1,000 records/s: bare producer | 65% | ≥ 70% | **no** |');
  });
});
