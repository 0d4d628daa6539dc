import type { ColumnType, TableSpec } from '@tracking/vault-schema';
import type { Row } from './vault-model';

/**
 * COPY's binary format (PostgreSQL "COPY ... (FORMAT binary)"): per row a 16-bit field count, then per
 * field a 32-bit length (-1 for NULL) and the value in the type's binary send format. Against the
 * text format it sends a hash key as its 32 bytes (not 68 characters of hex, parsed again), a time as
 * 8 bytes, and nothing has to be escaped; the rows are written straight into one Buffer a batch.
 */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Signature, flags (no OIDs), header extension length. */
const HEADER = Buffer.concat([SIGNATURE, Buffer.alloc(8)]);
const TRAILER = Buffer.from([0xff, 0xff]);

/** Microseconds between the Unix epoch and PostgreSQL's (2000-01-01). */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_TO_32 = 4_294_967_296;

/**
 * The types written in their binary form. Any other (numeric, date, uuid) is written as text into a
 * text column of the staging table and cast by the load statement, as the text COPY did.
 */
const BINARY_TYPES: ReadonlySet<ColumnType> = new Set(['bytea', 'text', 'timestamptz', 'integer', 'bigint', 'double precision', 'boolean', 'jsonb']);

/** The staging table's type of a vault column: its own if it is sent in binary, else text. */
export const stagingType = (type: ColumnType): ColumnType => (BINARY_TYPES.has(type) ? type : 'text');

class Writer {
  buffer: Buffer;
  position = 0;

  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(size, 1024));
  }

  reserve(bytes: number): void {
    if (this.position + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.position + bytes));
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }

  int16(value: number): void {
    this.reserve(2);
    this.position = this.buffer.writeInt16BE(value, this.position);
  }

  int32(value: number): void {
    this.reserve(4);
    this.position = this.buffer.writeInt32BE(value, this.position);
  }

  bytes(value: Buffer): void {
    this.reserve(4 + value.length);
    this.position = this.buffer.writeInt32BE(value.length, this.position);
    // A hash key is 32 bytes: a loop costs less than Buffer.copy's call into C++ for so few.
    if (value.length <= 64) {
      const { buffer } = this;
      let at = this.position;
      for (let i = 0; i < value.length; i++) buffer[at++] = value[i] as number;
      this.position = at;
    } else {
      this.position += value.copy(this.buffer, this.position);
    }
  }

  /** A string as UTF-8, after `prefix` (jsonb's version byte), with its length in front. */
  text(value: string, prefix = -1): void {
    const extra = prefix < 0 ? 0 : 1;
    // At most three bytes per UTF-16 unit.
    this.reserve(4 + extra + value.length * 3);
    const start = this.position + 4;
    if (extra) this.buffer[start] = prefix;
    const written = this.buffer.write(value, start + extra, 'utf8');
    this.buffer.writeInt32BE(written + extra, this.position);
    this.position = start + extra + written;
  }

  /** A signed 64-bit integer given as a safe JavaScript integer. */
  int64(value: number): void {
    this.reserve(12);
    const high = Math.floor(value / TWO_TO_32);
    this.position = this.buffer.writeInt32BE(8, this.position);
    this.position = this.buffer.writeInt32BE(high, this.position);
    this.position = this.buffer.writeUInt32BE(value - high * TWO_TO_32, this.position);
  }

  done(): Buffer {
    return this.buffer.subarray(0, this.position);
  }
}

type Encode = (writer: Writer, value: unknown, column: string) => void;

const refuse = (column: string, type: string, value: unknown): never => {
  throw new TypeError(`column ${column}: ${typeof value} ${String(value)} is not a ${type}`);
};

const asText = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value));

/** Each type's encoder of a value that is not NULL; what the text COPY accepted, this accepts too. */
const ENCODERS: Record<string, Encode> = {
  bytea: (writer, value, column) => (Buffer.isBuffer(value) ? writer.bytes(value) : refuse(column, 'bytea', value)),
  text: (writer, value) => writer.text(asText(value)),
  // Version 1 of jsonb's binary form is a version byte and the JSON text.
  jsonb: (writer, value) => writer.text(asText(value), 1),
  timestamptz: (writer, value, column) => {
    const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
    if (!Number.isFinite(ms)) refuse(column, 'timestamptz', value);
    writer.int64((ms - PG_EPOCH_MS) * 1000);
  },
  integer: (writer, value, column) => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < -2_147_483_648 || number > 2_147_483_647) refuse(column, 'integer', value);
    writer.int32(4);
    writer.int32(number);
  },
  bigint: (writer, value, column) => {
    if (typeof value !== 'number' && typeof value !== 'string' && typeof value !== 'bigint') refuse(column, 'bigint', value);
    const number = BigInt(value as string);
    writer.reserve(12);
    writer.position = writer.buffer.writeInt32BE(8, writer.position);
    writer.position = writer.buffer.writeBigInt64BE(number, writer.position);
  },
  'double precision': (writer, value) => {
    writer.reserve(12);
    writer.position = writer.buffer.writeInt32BE(8, writer.position);
    writer.position = writer.buffer.writeDoubleBE(Number(value), writer.position);
  },
  boolean: (writer, value, column) => {
    if (typeof value !== 'boolean') refuse(column, 'boolean', value);
    writer.reserve(5);
    writer.position = writer.buffer.writeInt32BE(1, writer.position);
    writer.buffer[writer.position++] = value ? 1 : 0;
  },
};

/** One table's columns with their encoders, in the staging table's column order; `ord` follows them. */
export interface CopyLayout {
  names: readonly string[];
  encoders: readonly Encode[];
}

export function copyLayout(spec: TableSpec): CopyLayout {
  return {
    names: spec.columns.map((column) => column.name),
    encoders: spec.columns.map((column) => ENCODERS[stagingType(column.type)] as Encode),
  };
}

/** One table's rows of a batch, and its number in the staging table's `tbl`. */
export interface CopyPart {
  layout: CopyLayout;
  rows: readonly Row[];
  tbl: number;
}

/**
 * Rows of tables of one staging group (vault-statements.ts) as the body of one binary COPY into its
 * staging table: each row's columns, then `ord`, its 1-based place among its table's rows (what the
 * load statements order by), then `tbl`.
 */
export function copyBinary(parts: readonly CopyPart[]): Buffer {
  const width = Math.max(0, ...parts.map((part) => part.layout.names.length));
  const count = parts.reduce((sum, part) => sum + part.rows.length, 0);
  const writer = new Writer(HEADER.length + count * (width * 24 + 24) + 2);
  writer.reserve(HEADER.length);
  writer.position += HEADER.copy(writer.buffer, writer.position);
  for (const { layout, rows, tbl } of parts) {
    const { names, encoders } = layout;
    const fields = names.length + 2;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as Row;
      writer.int16(fields);
      for (let c = 0; c < names.length; c++) {
        const name = names[c] as string;
        const value = row[name];
        if (value === null || value === undefined) writer.int32(-1);
        else (encoders[c] as Encode)(writer, value, name);
      }
      writer.int32(4);
      writer.int32(i + 1);
      writer.int32(2);
      writer.int16(tbl);
    }
  }
  writer.reserve(2);
  writer.position += TRAILER.copy(writer.buffer, writer.position);
  return writer.done();
}
