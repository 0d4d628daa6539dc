/**
 * The distinct sketch of the daily sketch rollups (migration DistinctSketches): a set of members
 * (visitor or session ids), each by its 64-bit hash (`hashtextextended(id, 0)`), stored in a bytea
 * that is a pure function of the set, so a recount gives the same bytes as the loads did:
 * - up to EXACT_MEMBERS members, the hashes themselves (8 bytes each, big-endian, in ascending byte
 *   order): the count is exact (but for 64-bit hash collisions);
 * - beyond, HyperLogLog registers (REGISTERS bytes: register = the hash's low 12 bits, value = the
 *   position of the first 1 bit in the other 52 bits, the highest seen): standard error
 *   1.04 / √4096 = 1.6%.
 * The two are told apart by length (EXACT_MEMBERS × 8 < REGISTERS). Sketches merge by union: members
 * into members while their union stays within EXACT_MEMBERS, registers by maximum otherwise, so a
 * figure over any days and grains is exact when it counts at most EXACT_MEMBERS distinct members and
 * every sketch it merges still holds its members, and an estimate otherwise. The SQL that writes them
 * is the migration's `rollup.sketch_add`; this is the reader's half.
 */
export const SKETCH_PRECISION = 12;
export const REGISTERS = 1 << SKETCH_PRECISION;
export const EXACT_MEMBERS = 511;
/** Bits of the hash after the register index. */
const RANK_BITS = 64 - SKETCH_PRECISION;

/** A union of sketches being merged: exact members (hashes as 8-byte keys) until registers are needed. */
export class DistinctUnion {
  private members: Set<string> | undefined = new Set();
  private registers: Uint8Array | undefined;

  add(sketch: Buffer): void {
    if (sketch.length === REGISTERS) {
      const registers = this.dense();
      for (let index = 0; index < REGISTERS; index++) registers[index] = Math.max(registers[index] ?? 0, sketch[index] ?? 0);
      return;
    }
    if (sketch.length % 8 !== 0 || sketch.length > EXACT_MEMBERS * 8) throw new Error(`not a distinct sketch: ${sketch.length} bytes`);
    for (let offset = 0; offset < sketch.length; offset += 8) {
      if (this.members) {
        this.members.add(sketch.toString('latin1', offset, offset + 8));
        if (this.members.size > EXACT_MEMBERS) this.dense();
      } else this.addHash(sketch, offset, this.dense());
    }
  }

  /** Distinct members: exact while members are kept, else the HyperLogLog estimate (linear counting for small ones). */
  count(): number {
    if (this.members) return this.members.size;
    const registers = this.dense();
    let sum = 0;
    let zeros = 0;
    for (const value of registers) {
      sum += 2 ** -value;
      if (value === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / REGISTERS);
    const raw = (alpha * REGISTERS * REGISTERS) / sum;
    return Math.round(raw <= 2.5 * REGISTERS && zeros > 0 ? REGISTERS * Math.log(REGISTERS / zeros) : raw);
  }

  /** The registers, made from the members kept so far the first time they are needed. */
  private dense(): Uint8Array {
    if (this.registers) return this.registers;
    const registers = new Uint8Array(REGISTERS);
    for (const key of this.members ?? []) this.addHash(Buffer.from(key, 'latin1'), 0, registers);
    this.members = undefined;
    this.registers = registers;
    return registers;
  }

  private addHash(hash: Buffer, offset: number, registers: Uint8Array): void {
    const high = hash.readUInt32BE(offset);
    const low = hash.readUInt32BE(offset + 4);
    const index = low & (REGISTERS - 1);
    // The 52 bits above the index: the high word, then the low word's top 20 bits; their bit length.
    const rest = low >>> SKETCH_PRECISION;
    const width = high !== 0 ? 32 - Math.clz32(high) + (32 - SKETCH_PRECISION) : 32 - Math.clz32(rest);
    const rank = RANK_BITS - width + 1;
    if (rank > (registers[index] ?? 0)) registers[index] = rank;
  }
}
