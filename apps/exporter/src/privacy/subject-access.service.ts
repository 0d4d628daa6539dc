import { Inject, Injectable } from '@nestjs/common';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { TrackingEvent } from '@tracking/contracts';
import { subjectHash } from '@tracking/privacy';
import { customerDirectory } from '../assembly/object-layout';
import { EXPORT_TARGETS } from '../exporter.tokens';
import { decodeEvents, formatOfKey } from '../formats/decode-events';
import { jsonRecord } from '../formats/json-lines.encoder';
import { S3Clients } from '../s3/s3-clients';
import type { ExportTargets } from '../targets/export-targets';
import { ErasureRewriter } from './erasure.rewriter';

export interface SubjectAccessQuery {
  customerId: string;
  visitorIds: readonly string[];
  userIds: readonly string[];
}

/** One exported record of the subject and the object it came from. */
export interface AccessRecord {
  bucket: string;
  key: string;
  /** The record as the JSON Lines export writes it (times ISO 8601, event_data as nested JSON). */
  record: Record<string, unknown>;
}

export interface SubjectAccessResult {
  customer_id: string;
  /** False when the customer has no s3_export: nothing of it was ever exported. */
  exported: boolean;
  /** The customer's client bucket, where the records were read (null when not exported). */
  bucket: string | null;
  objects_scanned: number;
  records: AccessRecord[];
}

const CONCURRENCY = 4;

/**
 * The exporter's half of an access request (GDPR art. 15 and 20, issue 20): every record of the
 * subjects in the customer's client bucket, read back from every object whatever its format. Ids are
 * compared as the vault and the erasure list compare them (their subject hashes: trimmed, upper-cased),
 * so an access request finds what an erasure of the same ids would remove. The backup bucket holds the
 * same objects (the platform's copy), so it is not read twice.
 */
@Injectable()
export class SubjectAccessService {
  constructor(
    @Inject(EXPORT_TARGETS) private readonly targets: ExportTargets,
    private readonly clients: S3Clients,
    private readonly rewriter: ErasureRewriter,
  ) {}

  async find(query: SubjectAccessQuery): Promise<SubjectAccessResult> {
    const target = this.targets.targets.get(query.customerId);
    if (!target) return { customer_id: query.customerId, exported: false, bucket: null, objects_scanned: 0, records: [] };
    const visitors = new Set(query.visitorIds.map((id) => subjectHash(query.customerId, id)));
    const users = new Set(query.userIds.map((id) => subjectHash(query.customerId, id)));
    const theirs = (event: TrackingEvent): boolean =>
      (event.visitor_id !== null && visitors.has(subjectHash(query.customerId, event.visitor_id))) || (event.user_id !== null && users.has(subjectHash(query.customerId, event.user_id)));

    const bucket = target.client;
    const keys = (await this.rewriter.list(bucket, customerDirectory(target.prefix, target.customerId))).filter((key) => formatOfKey(key)).sort();
    const found = new Map<string, AccessRecord[]>();
    const queue = [...keys];
    const worker = async (): Promise<void> => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
        const format = formatOfKey(key);
        if (!format) continue;
        const object = await this.clients.for(bucket).send(new GetObjectCommand({ Bucket: bucket.bucket, Key: key }));
        const body = Buffer.from((await object.Body?.transformToByteArray()) ?? new Uint8Array());
        const { events: all, columns } = await decodeEvents(body, format.format, format.compression);
        const events = all.filter(theirs);
        found.set(key, events.map((event) => ({ bucket: bucket.bucket, key, record: jsonRecord(event, columns) })));
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, keys.length) }, worker));
    // In key order (by hour, then partition and offset), each object's records in its own order.
    const records = keys.flatMap((key) => found.get(key) ?? []);
    return { customer_id: query.customerId, exported: true, bucket: bucket.bucket, objects_scanned: keys.length, records };
  }
}
