import type { ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import { eventHour, hourDirectory, objectStem } from '../assembly/object-layout';
import type { ExportTarget } from '../targets/export-target';
import { BoundaryLedger } from './boundary.ledger';
import type { S3Clients } from './s3-clients';

const HOUR = eventHour(Date.UTC(2026, 10, 22, 10, 30));
const TOPIC = 'tracking.events.v1';
const target = { customerId: 'a', prefix: 'exports', client: { bucket: 'client-a' } } as ExportTarget;

/** A bucket whose listings answer when the test says so, with the keys it holds at that moment. */
function slowBucket() {
  const keys: string[] = [];
  const answers: Array<() => void> = [];
  const send = jest.fn(
    () =>
      new Promise<Partial<ListObjectsV2CommandOutput>>((resolve) => {
        answers.push(() => resolve({ Contents: keys.map((Key) => ({ Key })), IsTruncated: false }));
      }),
  );
  const keyOf = (first: bigint, last: bigint): string => `${hourDirectory(target.prefix, target.customerId, HOUR)}${objectStem(TOPIC, 0, first, last)}.jsonl`;
  return {
    clients: { for: () => ({ send }) } as unknown as S3Clients,
    send,
    /** The listing sent last answers now. */
    answer: () => answers.shift()?.(),
    write: (first: bigint, last: bigint) => keys.push(keyOf(first, last)),
  };
}

describe('BoundaryLedger', () => {
  it('knows an object that became durable while the bucket was being listed, though the listing missed it', async () => {
    const bucket = slowBucket();
    const ledger = new BoundaryLedger(bucket.clients);
    ledger.writing(target, TOPIC, 0, HOUR, { first: 10n, last: 19n }, ['e10']);
    const found = ledger.containing(target, TOPIC, 0, HOUR, 10n);
    // The listing is taken before the object lands; the upload then settles before the listing answers.
    ledger.settled(target, TOPIC, 0, HOUR, { first: 10n, last: 19n }, true);
    bucket.write(10n, 19n);
    bucket.answer();
    // The listing had been answered from a state without the object: still, its boundaries are known (and, with no backup bucket, it is complete).
    await expect(found).resolves.toEqual({ first: 10n, last: 19n, complete: true });
    await expect(ledger.containing(target, TOPIC, 0, HOUR, 15n)).resolves.toEqual({ first: 10n, last: 19n, complete: true });
  });

  it('shares one listing between callers asking at once', async () => {
    const bucket = slowBucket();
    const ledger = new BoundaryLedger(bucket.clients);
    bucket.write(0n, 9n);
    const both = Promise.all([ledger.containing(target, TOPIC, 0, HOUR, 5n), ledger.containing(target, TOPIC, 0, HOUR, 7n)]);
    bucket.answer();
    await expect(both).resolves.toEqual([
      { first: 0n, last: 9n, complete: true },
      { first: 0n, last: 9n, complete: true },
    ]);
    expect(bucket.send).toHaveBeenCalledTimes(1);
  });

  it('does not keep a listing begun before the listings were forgotten (a rebalance): the next question lists again', async () => {
    const bucket = slowBucket();
    const ledger = new BoundaryLedger(bucket.clients);
    const before = ledger.containing(target, TOPIC, 0, HOUR, 25n);
    ledger.forgetListings();
    // Another member wrote this object between the old listing and the rebalance.
    bucket.answer();
    await expect(before).resolves.toBeUndefined();
    bucket.write(20n, 29n);
    const after = ledger.containing(target, TOPIC, 0, HOUR, 25n);
    bucket.answer();
    await expect(after).resolves.toEqual({ first: 20n, last: 29n, complete: true });
    expect(bucket.send).toHaveBeenCalledTimes(2);
  });
});
