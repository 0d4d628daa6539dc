import { createHash } from 'node:crypto';
import { DistinctUnion, EXACT_MEMBERS, REGISTERS } from './distinct-sketch';

/** A sketch that keeps its members, as rollup.sketch_add writes it: 8-byte hashes (here of `member-<i>`). */
const members = (from: number, to: number): Buffer => Buffer.concat(Array.from({ length: to - from }, (_, i) => createHash('sha256').update(`member-${from + i}`).digest().subarray(0, 8)));
/** Many members as member sketches of at most EXACT_MEMBERS each, the way daily sketches of small grains arrive. */
const unionOf = (count: number, overlap = 0): DistinctUnion => {
  const union = new DistinctUnion();
  for (let from = 0; from < count; from += EXACT_MEMBERS - overlap) union.add(members(Math.max(0, from - overlap), Math.min(count, from + EXACT_MEMBERS - overlap)));
  return union;
};

describe('DistinctUnion', () => {
  it('counts exactly while the union keeps its members, overlapping sketches once', () => {
    expect(new DistinctUnion().count()).toBe(0);
    expect(unionOf(EXACT_MEMBERS, 100).count()).toBe(EXACT_MEMBERS);
    const union = new DistinctUnion();
    union.add(members(0, 300));
    union.add(members(200, 400));
    union.add(members(0, 10));
    expect(union.count()).toBe(400);
  });

  it('estimates beyond, from registers, within 3 standard errors (1.6% each)', () => {
    for (const count of [EXACT_MEMBERS + 1, 5_000, 50_000]) {
      const estimate = unionOf(count, 50).count();
      expect(Math.abs(estimate - count) / count).toBeLessThan(3 * (1.04 / Math.sqrt(REGISTERS)));
    }
  });

  it('merges register sketches by maximum, with member sketches folded in', () => {
    const registers = new Uint8Array(REGISTERS);
    registers[7] = 3;
    const union = new DistinctUnion();
    union.add(members(0, 10));
    union.add(Buffer.from(registers));
    // Ten hashed members and one register already set: linear counting over the registers left at zero.
    expect(union.count()).toBeGreaterThanOrEqual(10);
    expect(union.count()).toBeLessThanOrEqual(11);
    expect(() => union.add(Buffer.alloc(12))).toThrow('not a distinct sketch');
  });
});
