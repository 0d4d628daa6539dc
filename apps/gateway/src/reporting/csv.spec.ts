import { csvLine } from './csv';

describe('CSV export lines', () => {
  it('quotes separators, quotes and line breaks', () => {
    expect(csvLine(['a,b', 'say "hi"', 'two\nlines', null, 3])).toBe('"a,b","say ""hi""","two\nlines",,3\r\n');
  });

  it('defuses formulas and writes dates in ISO 8601, field by field', () => {
    expect(csvLine(['=1+1', new Date('2026-11-22T10:00:00Z')])).toBe(`"'=1+1",2026-11-22T10:00:00.000Z\r\n`);
  });
});
