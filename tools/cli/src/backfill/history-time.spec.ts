import { historyTime } from './history-time';

describe(historyTime.name, () => {
  it('takes sent_at, else occurred_at, else event_data.timestamp', () => {
    expect(historyTime({ occurred_at: '2024-11-02T10:00:00Z', sent_at: '2024-11-02T10:00:05Z' })).toEqual({ kind: 'at', epochMs: Date.parse('2024-11-02T10:00:05Z') });
    expect(historyTime({ occurred_at: '2024-11-02T10:00:00Z' })).toEqual({ kind: 'at', epochMs: Date.parse('2024-11-02T10:00:00Z') });
    expect(historyTime({ event_data: { timestamp: '2024-11-02T10:00:00Z' } })).toEqual({ kind: 'at', epochMs: Date.parse('2024-11-02T10:00:00Z') });
  });

  it('tells a missing time from an unreadable one, which the validator then names', () => {
    expect(historyTime({ event_type: 'x' })).toEqual({ kind: 'missing' });
    expect(historyTime({ occurred_at: 'yesterday' })).toEqual({ kind: 'unreadable' });
    expect(historyTime({ occurred_at: 1730541600000 })).toEqual({ kind: 'unreadable' });
    expect(historyTime('not an object')).toEqual({ kind: 'unreadable' });
  });
});
