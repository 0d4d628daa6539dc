import { CatchUp } from './catch-up';

describe(CatchUp.name, () => {
  it('is done at once when every partition is empty', () => {
    const sut = new CatchUp(new Map([[0, 5n], [1, 0n]]), new Map([[0, 5n], [1, 0n]]));
    expect(sut.done).toBe(true);
  });

  it('waits for each partition to reach the end it had at start', () => {
    const sut = new CatchUp(new Map([[0, 10n], [1, 3n]]));
    sut.advance(0, 4n);
    expect(sut.done).toBe(false);
    sut.advance(1, 3n);
    expect([...sut.pending]).toEqual([[0, 10n]]);
    sut.advance(0, 12n);
    expect(sut.done).toBe(true);
  });

  it('ignores partitions it was not waiting for', () => {
    const sut = new CatchUp(new Map([[0, 2n]]));
    sut.advance(7, 100n);
    expect(sut.done).toBe(false);
  });
});
