import type { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { CustomerHealthMonitor } from '../health/customer-health.monitor';
import type { S3Clients } from '../s3/s3-clients';
import type { BucketTarget, ExportTarget } from '../targets/export-target';
import type { ExportTargets } from '../targets/export-targets';
import { ExportActivityService } from './export-activity.service';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 11, 7, 14, 30);

interface FakeObject {
  Key: string;
  Size: number;
  LastModified: Date;
}

const bucket = (name: string): BucketTarget => ({ bucket: name }) as BucketTarget;
const at = (hoursAgo: number) => new Date(NOW - hoursAgo * HOUR);

function setup(buckets: Record<string, FakeObject[] | Error>, options: { backup?: boolean; pageSize?: number } = {}) {
  const target = { customerId: 'acme', prefix: 'exports', client: bucket('client'), ...(options.backup === false ? {} : { backup: bucket('backup') }) } as ExportTarget;
  const asked: Array<{ bucket: string; prefix: string }> = [];
  const clients = {
    for: (target: BucketTarget) => ({
      send: (command: ListObjectsV2Command) => {
        const { Bucket, Prefix, ContinuationToken } = command.input;
        asked.push({ bucket: String(Bucket), prefix: String(Prefix) });
        const held = buckets[target.bucket];
        if (held instanceof Error) return Promise.reject(held);
        const matching = (held ?? []).filter((object) => object.Key.startsWith(String(Prefix)));
        const size = options.pageSize ?? 1000;
        const start = Number(ContinuationToken ?? 0);
        const page = matching.slice(start, start + size);
        const more = start + size < matching.length;
        return Promise.resolve({ Contents: page, IsTruncated: more, NextContinuationToken: more ? String(start + size) : undefined });
      },
    }),
  } as unknown as S3Clients;
  const health = {
    states: () => new Map([['acme', { objectsWritten: 0, eventsWritten: 0, bytesWritten: 0, consecutiveFailures: 2, lastError: { message: 'S3: slow down', at: at(1).toISOString() } }]]),
  } as unknown as CustomerHealthMonitor;
  const targets = { targets: new Map([['acme', target]]), broken: new Map() } as unknown as ExportTargets;
  return { sut: new ExportActivityService(targets, clients, health), asked };
}

const object = (key: string, hoursAgo: number, size = 10): FakeObject => ({ Key: `exports/customer=acme/dt=2026-12-07/hour=10/${key}`, Size: size, LastModified: at(hoursAgo) });

describe(ExportActivityService.name, () => {
  it('counts event objects per hour of storage and per format, leaving out other keys and hours outside the window', async () => {
    const { sut, asked } = setup({
      client: [
        object('t+0+0000000000-0000000009.jsonl', 0),
        object('t+0+0000000010-0000000019.jsonl.gz', 0),
        object('t+1+0000000000-0000000009.jsonl', 2),
        object('t+1+0000000010-0000000019.parquet', 2),
        object('t+1+0000000020-0000000029.jsonl', 30),
        object('notes.txt', 0),
      ],
      backup: [object('t+0+0000000000-0000000009.jsonl', 0, 99)],
    });
    const activity = await sut.activity('acme', 3, NOW);
    expect(activity?.per_hour.map((slot) => slot.objects)).toEqual([{ jsonl: 1, parquet: 1 }, {}, { jsonl: 1, 'jsonl.gz': 1 }]);
    expect(activity?.formats).toEqual(['jsonl', 'jsonl.gz', 'parquet']);
    expect(activity?.from).toBe(new Date(Date.UTC(2026, 11, 7, 12)).toISOString());
    expect(activity?.buckets).toEqual([
      { role: 'client', bucket: 'client', objects: 5, bytes: 50, last_write_at: at(0).toISOString(), error: null, truncated: false },
      { role: 'backup', bucket: 'backup', objects: 1, bytes: 99, last_write_at: at(0).toISOString(), error: null, truncated: false },
    ]);
    expect(activity?.instance).toEqual({ consecutive_failures: 2, failing_since: null, last_error: { message: 'S3: slow down', at: at(1).toISOString() } });
    // Only the customer's own directory is listed: a bucket may be shared with other customers.
    expect(new Set(asked.map((call) => call.prefix))).toEqual(new Set(['exports/customer=acme/']));
  });

  it("reports a bucket that does not answer with its error, the other bucket's state still counted", async () => {
    const { sut } = setup({ client: [object('t+0+0000000000-0000000009.csv', 1)], backup: Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }) });
    const activity = await sut.activity('acme', 24, NOW);
    expect(activity?.buckets.map((entry) => [entry.role, entry.objects, entry.error])).toEqual([
      ['client', 1, null],
      ['backup', 0, 'AccessDenied: Access Denied'],
    ]);
  });

  it('says when the listing was cut, and answers nothing for a customer without an export', async () => {
    const many = Array.from({ length: 60 }, (_, i) => object(`t+0+${String(i).padStart(10, '0')}-${String(i).padStart(10, '0')}.avro`, 0));
    const { sut } = setup({ client: many }, { backup: false, pageSize: 1 });
    const activity = await sut.activity('acme', 1, NOW);
    expect(activity?.buckets).toEqual([expect.objectContaining({ role: 'client', objects: 50, truncated: true })]);
    expect(await sut.activity('someone-else', 1, NOW)).toBeUndefined();
  });
});
