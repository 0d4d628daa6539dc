import { copyText } from './copy-text';

describe(copyText.name, () => {
  it('escapes what COPY text format would read as structure, writes NULL as \\N and numbers each table\'s rows', () => {
    const text = copyText([
      {
        table: 'a.one',
        columns: ['a', 'b', 'c'],
        rows: [
          { a: 'tab\there\nnew\\line\r', b: null, c: Buffer.from([0xde, 0xad]) },
          // An object is JSON first (its tab becomes \t), then escaped for COPY like any text.
          { a: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), b: { path: 'x\ty' }, c: 42 },
        ],
      },
      { table: 'b.two', columns: ['flag', 'absent'], rows: [{ flag: false }] },
    ], 4).toString();
    expect(text.split('\n')).toEqual([
      'a.one\t1\ttab\\there\\nnew\\\\line\\r\t\\N\t\\\\xdead\t\\N',
      'a.one\t2\t2026-01-02T03:04:05.006Z\t{"path":"x\\\\ty"}\t42\t\\N',
      'b.two\t1\tfalse\t\\N\t\\N\t\\N',
      '',
    ]);
  });
});
