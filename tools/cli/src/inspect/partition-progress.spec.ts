import { PartitionProgress } from './partition-progress';

describe(PartitionProgress.name, () => {
  const sut = () =>
    new PartitionProgress([
      { partition: 0, start: 10, end: 13 },
      { partition: 1, start: 5, end: 5 },
    ]);

  it('totals the offsets to read and is finished only when every partition reached its end', () => {
    const progress = sut();
    expect(progress.total).toBe(3);
    expect(progress.finished).toBe(false);
    expect(progress.readThrough(0, 10)).toBe(1);
    expect(progress.readThrough(0, 12)).toBe(2);
    expect(progress.finished).toBe(true);
  });

  it('is finished at once when nothing is to be read', () => {
    expect(new PartitionProgress([{ partition: 0, start: 7, end: 7 }]).finished).toBe(true);
  });

  describe('isInRange', () => {
    it('accepts offsets from the next unread one up to the end mark, nothing before or after', () => {
      const progress = sut();
      expect(progress.isInRange(0, 9)).toBe(false);
      expect(progress.isInRange(0, 10)).toBe(true);
      expect(progress.isInRange(0, 13)).toBe(false);
      progress.readThrough(0, 10);
      expect(progress.isInRange(0, 10)).toBe(false); // a record delivered twice is shown once
      expect(progress.isInRange(7, 0)).toBe(false);
    });
  });

  describe('batchEnded', () => {
    it('counts offsets never delivered, such as a transaction marker closing the partition', () => {
      const progress = sut();
      progress.readThrough(0, 11);
      expect(progress.batchEnded({ partition: 0, firstOffset: 10, lastOffset: 12, complete: true })).toBe(1);
      expect(progress.finished).toBe(true);
    });

    it('ignores a batch whose records were not all handled (kafkajs abandons one when a seek is pending)', () => {
      const progress = sut();
      expect(progress.batchEnded({ partition: 0, firstOffset: 10, lastOffset: 12, complete: false })).toBe(0);
      expect(progress.finished).toBe(false);
    });

    it('ignores a batch fetched from beyond the start position, before the seek landed', () => {
      const progress = sut();
      expect(progress.batchEnded({ partition: 0, firstOffset: 12, lastOffset: 12, complete: true })).toBe(0);
      expect(progress.isInRange(0, 10)).toBe(true);
    });
  });
});
