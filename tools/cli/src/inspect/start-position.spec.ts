import { parseStartPosition, startOffsets } from './start-position';

describe(parseStartPosition.name, () => {
  it('reads beginning and end, with Kafka\'s earliest and latest as synonyms', () => {
    expect(parseStartPosition('beginning')).toEqual({ kind: 'beginning' });
    expect(parseStartPosition('Earliest')).toEqual({ kind: 'beginning' });
    expect(parseStartPosition('end')).toEqual({ kind: 'end' });
    expect(parseStartPosition('latest')).toEqual({ kind: 'end' });
  });

  it('reads a whole number as an offset', () => {
    expect(parseStartPosition('0')).toEqual({ kind: 'offset', offset: 0 });
    expect(parseStartPosition('1200')).toEqual({ kind: 'offset', offset: 1200 });
  });

  it('reads ISO times with a zone, without one (local time) and bare dates (UTC midnight)', () => {
    expect(parseStartPosition('2026-11-22T10:00:00Z')).toEqual({ kind: 'timestamp', at: Date.UTC(2026, 10, 22, 10) });
    expect(parseStartPosition('2026-11-22T10:00:00.250+02:00')).toEqual({ kind: 'timestamp', at: Date.UTC(2026, 10, 22, 8, 0, 0, 250) });
    expect(parseStartPosition('2026-11-22')).toEqual({ kind: 'timestamp', at: Date.UTC(2026, 10, 22) });
    expect(parseStartPosition('2026-11-22T10:00')).toEqual({ kind: 'timestamp', at: new Date(2026, 10, 22, 10).getTime() });
  });

  it('refuses what Date.parse would guess at, and impossible dates', () => {
    for (const raw of ['yesterday', 'March 3', '-5', '1.5', '2026-13-40T00:00:00Z', '']) {
      expect(() => parseStartPosition(raw)).toThrow(/not beginning, end, an ISO time/);
    }
  });

  it('refuses an offset beyond what a JavaScript number holds exactly', () => {
    expect(() => parseStartPosition('99999999999999999999')).toThrow(/too large/);
  });
});

describe(startOffsets.name, () => {
  const watermarks = [
    { partition: 0, low: 10, high: 50 },
    { partition: 1, low: 0, high: 0 },
  ];

  it('starts at the low or the high watermark, ending at the high one', () => {
    expect(startOffsets({ kind: 'beginning' }, watermarks)).toEqual([
      { partition: 0, start: 10, end: 50 },
      { partition: 1, start: 0, end: 0 },
    ]);
    expect(startOffsets({ kind: 'end' }, watermarks)).toEqual([
      { partition: 0, start: 50, end: 50 },
      { partition: 1, start: 0, end: 0 },
    ]);
  });

  it('clamps an offset to what each partition still holds', () => {
    expect(startOffsets({ kind: 'offset', offset: 5 }, watermarks)[0]).toEqual({ partition: 0, start: 10, end: 50 });
    expect(startOffsets({ kind: 'offset', offset: 20 }, watermarks)[0]).toEqual({ partition: 0, start: 20, end: 50 });
    expect(startOffsets({ kind: 'offset', offset: 99 }, watermarks)[0]).toEqual({ partition: 0, start: 50, end: 50 });
  });

  it("takes the broker's offsets for a time, and the end for a partition it gave none for", () => {
    const sut = startOffsets({ kind: 'timestamp', at: 1 }, watermarks, new Map([[0, 30]]));
    expect(sut).toEqual([
      { partition: 0, start: 30, end: 50 },
      { partition: 1, start: 0, end: 0 },
    ]);
  });
});
