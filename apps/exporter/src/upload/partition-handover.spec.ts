import { createHash } from 'node:crypto';
import pino from 'pino';
import { Registry } from 'prom-client';
import { GetObjectCommand, type ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { TrackingEvent } from '@tracking/contracts';
import type { ConsumerControl } from '@tracking/kafka';
import type { AssembledObject } from '../assembly/partition-assembler';
import type { ExporterConfig } from '../config/exporter.config';
import { ExporterMetrics } from '../exporter.metrics';
import type { CustomerHealthMonitor } from '../health/customer-health.monitor';
import type { SiteDomainRegistry } from '../metering/site-domain.registry';
import { PartitionRegistry } from '../partitions/partition.registry';
import type { PartitionState } from '../partitions/partition-state';
import { ErasureRewriter } from '../privacy/erasure.rewriter';
import type { ExporterErasures } from '../privacy/exporter-erasures';
import { BoundaryLedger } from '../s3/boundary.ledger';
import type { S3Clients } from '../s3/s3-clients';
import type { ExportTarget } from '../targets/export-target';
import type { ExportTargets } from '../targets/export-targets';
import { ObjectUploader, type UploadOutcome } from './object.uploader';
import { S3ObjectWriter } from './s3-object.writer';

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
const CLIENT = 'client-bucket';
const BACKUP = 'backup-bucket';
const OBJECT = /customer=a\/dt=2026-11-22\/hour=10\/t\+0\+(\d{10})-(\d{10})\.jsonl$/;

/** One S3 server that both owners write to; conditional writes refused with 412 as S3 (and S3Proxy) do. */
class SharedBucketServer {
  readonly objects = new Map<string, Buffer>();
  /** Every PUT that created or replaced an object, as `bucket/key`. */
  readonly writes: string[] = [];

  /** A client for one owner; `gate` can hold its requests (a slow or late upload). */
  clientFor(gate: (command: PutObjectCommand | GetObjectCommand | ListObjectsV2Command) => Promise<void> = async () => undefined): S3Clients {
    const send = async (command: PutObjectCommand | GetObjectCommand | ListObjectsV2Command): Promise<unknown> => {
      await gate(command);
      if (command instanceof PutObjectCommand) {
        const path = `${command.input.Bucket}/${command.input.Key}`;
        const refused = () => Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
        if (command.input.IfNoneMatch === '*' && this.objects.has(path)) throw refused();
        if (command.input.IfMatch !== undefined && command.input.IfMatch !== etag(this.objects.get(path))) throw refused();
        this.objects.set(path, Buffer.from(command.input.Body as Buffer | string));
        this.writes.push(path);
        return {};
      }
      if (command instanceof GetObjectCommand) {
        const body = this.objects.get(`${command.input.Bucket}/${command.input.Key}`);
        if (!body) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
        return { Body: { transformToString: async () => body.toString('utf8'), transformToByteArray: async () => new Uint8Array(body) }, ETag: etag(body), ContentType: 'application/x-ndjson', Metadata: {} };
      }
      const prefix = `${command.input.Bucket}/${command.input.Prefix ?? ''}`;
      const keys = [...this.objects.keys()].filter((path) => path.startsWith(prefix)).sort();
      return { Contents: keys.map((path) => ({ Key: path.slice(`${command.input.Bucket}/`.length) })), IsTruncated: false };
    };
    return { for: () => ({ send }) } as unknown as S3Clients;
  }

  /** The client bucket's objects of customer a as "first-last". */
  clientObjects(): string[] {
    return [...this.objects.keys()]
      .filter((path) => path.startsWith(`${CLIENT}/`))
      .map((path) => OBJECT.exec(path))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => `${Number(match[1])}-${Number(match[2])}`)
      .sort();
  }

  eventIdsInClientBucket(): string[] {
    return [...this.objects]
      .filter(([path]) => path.startsWith(`${CLIENT}/`) && OBJECT.test(path))
      .flatMap(([, body]) => body.toString('utf8').trimEnd().split('\n').map((line) => (JSON.parse(line) as { event_id: string }).event_id))
      .sort();
  }
}

const etag = (body: Buffer | undefined): string | undefined => (body ? `"${createHash('md5').update(body).digest('hex')}"` : undefined);

const target = {
  customerId: 'a',
  client: { bucket: CLIENT, region: 'us-east-1', credentials: { accessKeyId: 'k', secretAccessKey: 's' }, credentialSources: {} },
  backup: { bucket: BACKUP, region: 'us-east-1', credentials: { accessKeyId: 'k', secretAccessKey: 's' }, credentialSources: {} },
  prefix: 'exports',
  format: 'jsonl',
  compression: 'none',
  schedule: 'hourly',
  maxOpenMs: 3_600_000,
} as ExportTarget;

/** Every third record is the visitor `vis_erasable`'s, the others `vis_other`'s. */
function event(offset: number): TrackingEvent {
  // Every field set, as a decoded record has them: an object must read back to its own bytes to be rewritten.
  return {
    event_id: `e${offset}`, customer_id: 'a', event_type: 'page_view', event_name: 'Page', page_url: null, referrer: null, occurred_at: T0 + offset, received_at: T0 + offset, sent_at: T0 + offset,
    session_id: 's', visitor_id: offset % 3 === 0 ? 'vis_erasable' : 'vis_other', user_id: null, location_id: null, consent_state: null, ip_address: null, user_agent: null, event_data: '{}',
    utm_source: null, utm_medium: null, utm_campaign: null, utm_term: null, utm_content: null, batch_id: null, source: 'api', referrer_domain: null, security_score: null, suspicious: false,
    key_id: null, library_name: null, library_version: null, site_id: null,
  };
}

/** The erasure list of the tests: the visitors in `erased`, and a refresh that may let a request arrive (as the real list does). */
function fakeErasures(erased: Set<string>, onRefresh: () => void = () => undefined): ExporterErasures {
  return {
    erased: (_customerId: string, candidate: Pick<TrackingEvent, 'visitor_id'>) => candidate.visitor_id !== null && erased.has(candidate.visitor_id),
    refresh: async () => {
      onRefresh();
      return true;
    },
  } as unknown as ExporterErasures;
}

/** One exporter instance as far as a partition's handover goes: its registry, ledger and uploader, on the shared server. */
function owner(server: SharedBucketServer, gate?: Parameters<SharedBucketServer['clientFor']>[0], erasures: ExporterErasures = fakeErasures(new Set())) {
  const clients = server.clientFor(gate);
  const targets = { targets: new Map([['a', target]]), broken: new Map(), unexported: new Set() } as ExportTargets;
  const config = { limits: { maxRecords: 100, maxBytes: 1_000_000, latenessMs: 3_600_000 }, uploadConcurrency: 4, maxPendingBytes: 1_000_000 } as ExporterConfig;
  const consumer = { commit: jest.fn(async () => undefined), seek: jest.fn(), pauseAll: jest.fn(), onGroupJoin: jest.fn() } satisfies ConsumerControl;
  const ledger = new BoundaryLedger(clients);
  const domains = { hasUnpublished: () => false, observe: async () => undefined, domainsOf: () => [], sitesOf: () => [] } as unknown as SiteDomainRegistry;
  const health = { isFailing: () => false, failed: () => true, written: () => undefined } as unknown as CustomerHealthMonitor;
  const logger = pino({ level: 'silent' });
  const registry = new PartitionRegistry(consumer, targets, config, ledger, domains, logger);
  registry.onModuleInit();
  const rewriter = new ErasureRewriter(clients);
  const uploader = new ObjectUploader(config, targets, new S3ObjectWriter(clients, erasures), ledger, health, domains, new ExporterMetrics(new Registry()), erasures, rewriter, logger);
  const state = registry.stateOf('t', 0);

  /** Reads records `from` to `to` (exclusive) and, like ExportService, writes what closes; `flush` closes the rest at the end. */
  const read = async (from: number, to: number, flush: boolean): Promise<AssembledObject[]> => {
    const closed: AssembledObject[] = [];
    for (let offset = from; offset < to; offset++) {
      closed.push(...(await state.assembler.add({ offset: BigInt(offset), customerId: 'a', event: event(offset), size: 10, timestamp: T0 + offset, erased: erasures.erased('a', event(offset)) })));
    }
    if (flush) closed.push(...state.assembler.flush());
    return closed;
  };
  /** Writes an object as ExportService does: a lost claim reads the partition again from where the consumer is sought. */
  const write = async (object: AssembledObject): Promise<UploadOutcome> => {
    const outcome = await uploader.upload(state, object);
    if (outcome.kind === 'claimed') await registry.rereadClaimed(state);
    return outcome;
  };
  return { state: state as PartitionState, read, write, consumer, rewriter, revoke: () => (consumer.onGroupJoin.mock.calls[0]?.[0] as (assignment: Record<string, number[]>) => void)({}) };
}

/** Holds the matching requests until released. */
function holdRequests(matches: (command: PutObjectCommand | GetObjectCommand | ListObjectsV2Command) => boolean) {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held = 0;
  const gate = async (command: PutObjectCommand | GetObjectCommand | ListObjectsV2Command) => {
    if (!matches(command)) return;
    held += 1;
    await released;
  };
  return { gate, release: () => release(), held: () => held };
}

const isPut = (command: unknown, keyPart: string) => command instanceof PutObjectCommand && (command.input.Key ?? '').includes(keyPart);
const until = async (condition: () => boolean) => {
  for (let attempt = 0; attempt < 100 && !condition(); attempt++) await new Promise((resolve) => setImmediate(resolve));
};

describe('a partition handed over while its old owner still uploads', () => {
  it("the new owner that finds the old owner's claim cuts at its boundary, and the late upload adds no overlapping object", async () => {
    const server = new SharedBucketServer();
    // The old owner's claim lands; its copies are held (a slow bucket), landing after the new owner wrote.
    const late = holdRequests((command) => isPut(command, 'exports/customer=') || isPut(command, '_manifests'));
    const old = owner(server, late.gate);
    const [flushed] = await old.read(0, 5, true);
    const oldUpload = old.write(flushed as AssembledObject);
    await until(() => late.held() > 0);
    old.revoke();

    // The next owner starts from the commit (0: the old object never became durable), reads further and is flushed.
    const next = owner(server);
    const [cut] = await next.read(0, 10, true);
    expect(`${cut?.first}-${cut?.last}`).toBe('0-9');
    expect((await next.write(cut as AssembledObject)).kind).toBe('claimed');
    expect(next.consumer.seek).toHaveBeenCalledWith('t', 0, 0n);
    expect(server.clientObjects()).toEqual([]);

    // Read again from the seek: the claimed boundary closes the first object, the rest is a second one.
    const reread = await next.read(0, 10, true);
    expect(reread.map((object) => `${object.first}-${object.last} ${object.reason}`)).toEqual(['0-4 ledger', '5-9 flush']);
    for (const object of reread) expect((await next.write(object)).kind).toBe('written');

    late.release();
    expect((await oldUpload).kind).toBe('written');
    expect(server.clientObjects()).toEqual(['0-4', '5-9']);
    expect(server.eventIdsInClientBucket()).toEqual(Array.from({ length: 10 }, (_, offset) => `e${offset}`).sort());
    // The late copies of 0-4 found the new owner's: kept, not written twice.
    expect(server.writes.filter((path) => path.startsWith(`${CLIENT}/`))).toHaveLength(2);
  });

  it("the old owner whose claim lands after the new owner's writes nothing", async () => {
    const server = new SharedBucketServer();
    const late = holdRequests((command) => isPut(command, '_claims'));
    const old = owner(server, late.gate);
    const [flushed] = await old.read(0, 5, true);
    const oldUpload = old.write(flushed as AssembledObject);
    await until(() => late.held() > 0);
    old.revoke();

    const next = owner(server);
    const [cut] = await next.read(0, 10, true);
    expect((await next.write(cut as AssembledObject)).kind).toBe('written');

    late.release();
    expect((await oldUpload).kind).toBe('claimed');
    expect(server.clientObjects()).toEqual(['0-9']);
    expect(server.objects.has(`${BACKUP}/exports/customer=a/dt=2026-11-22/hour=10/t+0+0000000000-0000000004.jsonl`)).toBe(false);
  });

  it("the old owner's objects not yet being written when the group moved on are left to the new owner", async () => {
    const server = new SharedBucketServer();
    const old = owner(server);
    const [flushed] = await old.read(0, 5, true);
    old.revoke();
    expect((await old.write(flushed as AssembledObject)).kind).toBe('revoked');
    expect(old.state.pending.size).toBe(0);
    expect(server.writes).toEqual([]);
  });

  it('a new owner reading again over objects complete in both buckets writes nothing again', async () => {
    const server = new SharedBucketServer();
    const old = owner(server);
    for (const object of [...(await old.read(0, 5, true)), ...(await old.read(5, 8, true))]) expect((await old.write(object)).kind).toBe('written');
    const writes = server.writes.length;

    const next = owner(server);
    const closed = await next.read(0, 12, true);
    expect(closed.map((object) => `${object.first}-${object.last}`)).toEqual(['8-11']);
    expect(next.state.assembler.safeOffset()).toBe(12n);
    for (const object of closed) await next.write(object);
    expect(server.clientObjects()).toEqual(['0-4', '5-7', '8-11']);
    // Only the new object's claim, manifest, backup copy, metering record and client copy.
    expect(server.writes.length - writes).toBe(5);
  });

  it('an object only partly written (backup copy, no client copy) is cut again and completed', async () => {
    const server = new SharedBucketServer();
    const crash = holdRequests((command) => isPut(command, `exports/customer=`) && (command as PutObjectCommand).input.Bucket === CLIENT);
    const old = owner(server, crash.gate);
    const [flushed] = await old.read(0, 5, true);
    void old.write(flushed as AssembledObject);
    await until(() => crash.held() > 0);
    // The old owner dies here: its client copy never lands.

    const next = owner(server);
    const closed = await next.read(0, 8, false);
    expect(closed.map((object) => `${object.first}-${object.last} ${object.reason}`)).toEqual(['0-4 ledger']);
    expect((await next.write(closed[0] as AssembledObject)).kind).toBe('written');
    expect(server.clientObjects()).toEqual(['0-4']);
  });
});

describe('erased subjects (issue 20)', () => {
  const subjectLeft = (server: SharedBucketServer) => [...server.objects].filter(([, body]) => body.includes('vis_erasable') || /^e(0|3|6|9)$/m.test(body.toString('utf8'))).map(([path]) => path);

  it('a write leaves them out of both copies, the manifest and the metering record, and keeps the boundaries', async () => {
    const server = new SharedBucketServer();
    const next = owner(server, undefined, fakeErasures(new Set(['vis_erasable'])));
    const closed = await next.read(0, 10, true);
    expect(closed.map((object) => `${object.first}-${object.last}`)).toEqual(['0-9']);
    expect((await next.write(closed[0] as AssembledObject)).kind).toBe('written');

    expect(server.clientObjects()).toEqual(['0-9']);
    expect(server.eventIdsInClientBucket()).toEqual(['e1', 'e2', 'e4', 'e5', 'e7', 'e8']);
    expect(subjectLeft(server)).toEqual([]);
    const metering = [...server.objects].find(([path]) => path.includes('_metering'))?.[1].toString('utf8') ?? '';
    expect(JSON.parse(metering)).toMatchObject({ records: 6, first_offset: '0', last_offset: '9' });
  });

  it('an object written while a request arrives is rewritten by its writer once the list is brought up to date', async () => {
    const server = new SharedBucketServer();
    const erased = new Set<string>();
    const next = owner(server, undefined, fakeErasures(erased, () => erased.add('vis_erasable')));
    const [object] = await next.read(0, 10, true);
    expect((await next.write(object as AssembledObject)).kind).toBe('written');

    expect(server.eventIdsInClientBucket()).toEqual(['e1', 'e2', 'e4', 'e5', 'e7', 'e8']);
    expect(subjectLeft(server)).toEqual([]);
  });

  it("the buckets' objects written before the request are rewritten, and rewriting again changes nothing", async () => {
    const server = new SharedBucketServer();
    const before = owner(server);
    for (const object of [...(await before.read(0, 5, true)), ...(await before.read(5, 12, true))]) await before.write(object);
    expect(server.eventIdsInClientBucket()).toHaveLength(12);
    const erasable = (candidate: TrackingEvent) => candidate.visitor_id === 'vis_erasable';

    const tally = await before.rewriter.rewriteCustomer(target, erasable, erasable);
    expect(tally).toEqual({ objectsScanned: 2, objectsRewritten: 2, recordsFound: 4, recordsRemoved: 4, erasedRemoved: 4, objectsUnmatchable: 0 });
    expect(subjectLeft(server)).toEqual([]);
    expect(server.eventIdsInClientBucket()).toEqual(['e1', 'e10', 'e11', 'e2', 'e4', 'e5', 'e7', 'e8']);
    const writes = server.writes.length;
    expect(await before.rewriter.rewriteCustomer(target, erasable, erasable)).toEqual({ objectsScanned: 2, objectsRewritten: 0, recordsFound: 0, recordsRemoved: 0, erasedRemoved: 0, objectsUnmatchable: 0 });
    expect(server.writes.length).toBe(writes);

    // A new owner reading the partition again from the start, knowing the erasure, writes nothing and brings nothing back.
    const replay = owner(server, undefined, fakeErasures(new Set(['vis_erasable'])));
    expect(await replay.read(0, 12, true)).toEqual([]);
    expect(server.writes.length).toBe(writes);
  });
});
