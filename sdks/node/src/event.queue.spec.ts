import { EventQueue } from './event.queue';

describe(EventQueue.name, () => {
  const item = (seq: number, bytes = 10) => ({ seq, bytes });

  describe('take', () => {
    it('cuts from the head within the count and byte limits', () => {
      const sut = new EventQueue<{ seq: number; bytes: number }>();
      [1, 2, 3, 4, 5].forEach((seq) => sut.push(item(seq)));
      expect(sut.take(2, 1000).map((entry) => entry.seq)).toEqual([1, 2]);
      expect(sut.take(10, 25).map((entry) => entry.seq)).toEqual([3, 4]);
      expect(sut.length).toBe(1);
      expect(sut.peek()?.seq).toBe(5);
    });

    it('takes an event larger than the byte limit alone rather than blocking the queue', () => {
      const sut = new EventQueue<{ seq: number; bytes: number }>();
      sut.push(item(1, 5000));
      sut.push(item(2));
      expect(sut.take(10, 100).map((entry) => entry.seq)).toEqual([1]);
    });
  });
});
