import { col, relation } from '@tracking/vault-schema';
import type { TableSpec } from '@tracking/vault-schema';
import { copyBinary, copyLayout, stagingType } from './copy-binary';
import type { Row } from './vault-model';

const spec = {
  ...relation('a.one', [
    col('hk', 'bytea'),
    col('name', 'text'),
    col('at', 'timestamptz'),
    col('n', 'integer'),
    col('offset', 'bigint'),
    col('score', 'double precision'),
    col('ok', 'boolean'),
    col('doc', 'jsonb'),
    col('amount', 'numeric'),
  ]),
  key: ['hk'],
  strategy: 'insert-once',
} as unknown as TableSpec;

/** Reads the fields of each row back, as PostgreSQL would: a row is its fields' bytes (null for NULL). */
function parse(body: Buffer): Array<Array<Buffer | null>> {
  expect(body.subarray(0, 11).toString('latin1')).toBe('PGCOPY\n\xff\r\n\0');
  expect(body.readInt32BE(11)).toBe(0);
  expect(body.readInt32BE(15)).toBe(0);
  let at = 19;
  const rows: Array<Array<Buffer | null>> = [];
  for (;;) {
    const count = body.readInt16BE(at);
    at += 2;
    if (count === -1) break;
    const fields: Array<Buffer | null> = [];
    for (let i = 0; i < count; i++) {
      const length = body.readInt32BE(at);
      at += 4;
      fields.push(length < 0 ? null : body.subarray(at, at + length));
      at += Math.max(length, 0);
    }
    rows.push(fields);
  }
  expect(at).toBe(body.length);
  return rows;
}

/** One table's rows alone, as table 3 of its staging group. */
const body = (rows: readonly Row[]): Buffer => copyBinary([{ layout: copyLayout(spec), rows, tbl: 3 }]);

describe(copyBinary.name, () => {
  it('writes each type in its binary form, NULL as length -1, and numbers the rows and names their table after the columns', () => {
    const hk = Buffer.alloc(32, 0xab);
    const rows = parse(
      body([
        {
          hk,
          name: 'tab\there ünï',
          at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)),
          n: -7,
          offset: '9007199254740993',
          score: 99.5,
          ok: true,
          doc: { path: 'x\ty' },
          amount: 0.85,
        },
        { hk, name: null, at: null, n: 1, offset: 3, score: null, ok: false, doc: '{"a":1}', amount: undefined },
      ]),
    );
    expect(rows).toHaveLength(2);
    const [first, second] = rows as [Array<Buffer | null>, Array<Buffer | null>];
    expect(first).toHaveLength(11);
    expect(first[0]?.equals(hk)).toBe(true);
    expect(first[1]?.toString('utf8')).toBe('tab\there ünï');
    // Microseconds since 2000-01-01 UTC.
    expect(first[2]?.readBigInt64BE()).toBe(BigInt(Date.UTC(2026, 0, 2, 3, 4, 5, 6) - Date.UTC(2000, 0, 1)) * 1000n);
    expect(first[3]?.readInt32BE()).toBe(-7);
    expect(first[4]?.readBigInt64BE()).toBe(9007199254740993n);
    expect(first[5]?.readDoubleBE()).toBe(99.5);
    expect([...(first[6] as Buffer)]).toEqual([1]);
    expect(first[7]?.[0]).toBe(1);
    expect(first[7]?.subarray(1).toString('utf8')).toBe('{"path":"x\\ty"}');
    // numeric goes as text, cast by the load statement.
    expect(first[8]?.toString('utf8')).toBe('0.85');
    expect(first[9]?.readInt32BE()).toBe(1);
    expect(first[10]?.readInt16BE()).toBe(3);
    expect(second[1]).toBeNull();
    expect(second[2]).toBeNull();
    expect(second[4]?.readBigInt64BE()).toBe(3n);
    expect(second[5]).toBeNull();
    expect([...(second[6] as Buffer)]).toEqual([0]);
    expect(second[7]?.subarray(1).toString('utf8')).toBe('{"a":1}');
    expect(second[8]).toBeNull();
    expect(second[9]?.readInt32BE()).toBe(2);
  });

  it('writes several tables of one group in one body, numbering each table\'s rows from 1', () => {
    const layout = copyLayout(spec);
    const rows = parse(copyBinary([{ layout, rows: [{ n: 1 }, { n: 2 }], tbl: 4 }, { layout, rows: [{ n: 3 }], tbl: 9 }]));
    expect(rows.map((fields) => [fields[3]?.readInt32BE(), fields[9]?.readInt32BE(), fields[10]?.readInt16BE()])).toEqual([
      [1, 1, 4],
      [2, 2, 4],
      [3, 1, 9],
    ]);
  });

  it('writes times before 2000 as negative microseconds', () => {
    const [[, , at]] = parse(body([{ hk: Buffer.alloc(1), at: new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999)) }])) as [Array<Buffer | null>];
    expect(at?.readBigInt64BE()).toBe(-1000n);
  });

  it('refuses a value its column cannot hold, as the database would', () => {
    expect(() => body([{ hk: 'not a buffer' }])).toThrow(/column hk/);
    expect(() => body([{ n: 1.5 }])).toThrow(/column n/);
    expect(() => body([{ at: new Date(NaN) }])).toThrow(/column at/);
  });

  it('grows its buffer past the first estimate', () => {
    const long = 'é'.repeat(100_000);
    const [[, name]] = parse(body([{ name: long }])) as [Array<Buffer | null>];
    expect(name?.toString('utf8')).toBe(long);
  });

  it('keeps the types it cannot write in binary as text', () => {
    expect(stagingType('numeric')).toBe('text');
    expect(stagingType('bytea')).toBe('bytea');
  });
});
