import { CsvRecordAssembler, parseCsvRecord } from './csv-record.assembler';

describe(parseCsvRecord.name, () => {
  it('splits plain fields, keeping empty ones', () => {
    expect(parseCsvRecord('a,,c,')).toEqual({ status: 'complete', fields: ['a', '', 'c', ''] });
  });

  it('keeps commas, doubled quotes and line breaks inside quotes as data', () => {
    expect(parseCsvRecord('"pro, annual","said ""hi""","two\nlines",""')).toEqual({
      status: 'complete',
      fields: ['pro, annual', 'said "hi"', 'two\nlines', ''],
    });
  });

  it('is open while a quoted field has not ended', () => {
    expect(parseCsvRecord('a,"still going')).toEqual({ status: 'open' });
    expect(parseCsvRecord('a,"ends with a doubled quote""')).toEqual({ status: 'open' });
  });

  it('refuses quotes where RFC 4180 allows none', () => {
    expect(parseCsvRecord('a,"b"c')).toMatchObject({ status: 'invalid', reason: expect.stringContaining('after its closing quote') });
    expect(parseCsvRecord('a,5" screen')).toMatchObject({ status: 'invalid', reason: expect.stringContaining('does not start with one') });
  });
});

describe(CsvRecordAssembler.name, () => {
  it('joins the lines of a record whose quoted field spans them and numbers it by its first line', () => {
    const sut = new CsvRecordAssembler();
    expect(sut.push('x,"first', 2)).toBeUndefined();
    expect(sut.open).toBe(true);
    expect(sut.push('', 3)).toBeUndefined();
    expect(sut.push('last",y', 4)).toEqual({ ok: true, fields: ['x', 'first\n\nlast', 'y'], line: 2, raw: 'x,"first\n\nlast",y' });
    expect(sut.push('next,row', 5)).toMatchObject({ ok: true, fields: ['next', 'row'], line: 5 });
  });

  it('reports a quote still open at the end of the file', () => {
    const sut = new CsvRecordAssembler();
    sut.push('a,"never closed', 7);
    expect(sut.end()).toMatchObject({ ok: false, line: 7, reason: expect.stringContaining('not closed') });
    expect(sut.end()).toBeUndefined();
  });

  it('gives up on a quote that would swallow the rest of a large file', () => {
    const sut = new CsvRecordAssembler();
    sut.push('a,"stray', 1);
    let result;
    for (let line = 2; result === undefined; line += 1) result = sut.push('more', line);
    expect(result).toMatchObject({ ok: false, line: 1, reason: expect.stringContaining('runs over') });
    expect(sut.push('b,c', 5000)).toMatchObject({ ok: true, fields: ['b', 'c'] });
  });
});
