import { copyText } from './copy-text';

describe(copyText.name, () => {
  it('escapes what COPY text format would read as structure, writes NULL as \\N and numbers each row', () => {
    const text = copyText(['a', 'b', 'c'], [
      { a: 'tab\there\nnew\\line\r', b: null, c: Buffer.from([0xde, 0xad]) },
      // An object is JSON first (its tab becomes \t), then escaped for COPY like any text.
      { a: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), b: { path: 'x\ty' }, c: 42 },
    ]).toString();
    expect(text).toBe(['tab\\there\\nnew\\\\line\\r\t\\N\t\\\\xdead\t1', '2026-01-02T03:04:05.006Z\t{"path":"x\\\\ty"}\t42\t2', ''].join('\n'));
  });

  it('writes booleans and missing columns', () => {
    expect(copyText(['flag', 'absent'], [{ flag: false }]).toString()).toBe('false\t\\N\t1\n');
  });
});
