import { Inject, Injectable } from '@nestjs/common';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { customerDirectory } from '../assembly/object-layout';
import { EXPORT_TARGETS } from '../exporter.tokens';
import { CustomerHealthMonitor } from '../health/customer-health.monitor';
import { S3Clients } from '../s3/s3-clients';
import type { BucketTarget } from '../targets/export-target';
import type { ExportTargets } from '../targets/export-targets';

const HOUR_MS = 3_600_000;
/** A listing stops after this many pages (1,000 keys each) and says it was cut: the console asks often. */
const MAX_PAGES = 50;

/** The format of an object, read from its name as the layout writes it (jsonl, jsonl.gz, csv, csv.gz, parquet, avro). */
const FORMAT = /\.(jsonl\.gz|jsonl|csv\.gz|csv|parquet|avro)$/;

/** One hour of writes: its start, and objects written in it per format. */
export interface ActivityHour {
  hour: string;
  objects: Record<string, number>;
}

/** A bucket of the customer's export as its listing shows it now. */
export interface BucketActivity {
  role: 'client' | 'backup';
  bucket: string;
  /** Event objects of the customer in this bucket (not manifests, metering records or claims). */
  objects: number;
  bytes: number;
  /** The newest object's time as S3 gives it; null when none. */
  last_write_at: string | null;
  /** Null when the listing answered; else why not (the bucket is then not reachable from here). */
  error: string | null;
  /** The listing was cut at MAX_PAGES pages: the counts are a lower bound. */
  truncated: boolean;
}

export interface ExportActivity {
  customer_id: string;
  hours: number;
  from: string;
  to: string;
  /** Every hour of the window, oldest first; objects of the client bucket by the time S3 stored them. */
  per_hour: ActivityHour[];
  formats: string[];
  buckets: BucketActivity[];
  /** This instance's failures since the customer's last successful write, and whether it holds the customer failing. */
  instance: { consecutive_failures: number; failing_since: string | null; last_error: { message: string; at: string } | null };
  measured_at: string;
}

interface Listed {
  key: string;
  size: number;
  modified: number;
}

/**
 * What a customer's export wrote, hour by hour and format by format, and each bucket's state, for
 * the console's Exports page (issue 21). Read from the buckets themselves, like the usage listing:
 * counters in memory start at zero on every restart and differ per instance, the objects in S3 are
 * what every run, replay and instance wrote. Objects are counted by the time S3 stored them (a
 * replay of old hours counts when it wrote), not by their event hour.
 */
@Injectable()
export class ExportActivityService {
  constructor(
    @Inject(EXPORT_TARGETS) private readonly exportTargets: ExportTargets,
    private readonly clients: S3Clients,
    private readonly health: CustomerHealthMonitor,
  ) {}

  /** Undefined when the customer has no export. */
  async activity(customerId: string, hours: number, now = Date.now()): Promise<ExportActivity | undefined> {
    const target = this.exportTargets.targets.get(customerId);
    if (!target) return undefined;
    const directory = customerDirectory(target.prefix, customerId);
    const end = Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS;
    const start = end - hours * HOUR_MS;
    const client = await this.list(target.client, directory);
    const backup = target.backup ? await this.list(target.backup, directory) : undefined;

    const perHour = Array.from({ length: hours }, (_, index) => ({ hour: new Date(start + index * HOUR_MS).toISOString(), objects: {} as Record<string, number> }));
    const formats = new Set<string>();
    for (const object of client.objects) {
      if (object.modified < start || object.modified >= end) continue;
      const format = FORMAT.exec(object.key)?.[1] ?? 'other';
      formats.add(format);
      const slot = perHour[Math.floor((object.modified - start) / HOUR_MS)];
      if (slot) slot.objects[format] = (slot.objects[format] ?? 0) + 1;
    }
    const state = this.health.states().get(customerId);
    return {
      customer_id: customerId,
      hours,
      from: new Date(start).toISOString(),
      to: new Date(end).toISOString(),
      per_hour: perHour,
      formats: [...formats].sort(),
      buckets: [bucketActivity('client', target.client, client), ...(target.backup && backup ? [bucketActivity('backup', target.backup, backup)] : [])],
      instance: {
        consecutive_failures: state?.consecutiveFailures ?? 0,
        failing_since: state?.failing?.since ?? null,
        last_error: state?.lastError ?? null,
      },
      measured_at: new Date(now).toISOString(),
    };
  }

  /** The customer's event objects in a bucket (its own directory only: other customers may share the bucket). */
  private async list(bucket: BucketTarget, directory: string): Promise<{ objects: Listed[]; error: string | null; truncated: boolean }> {
    const s3 = this.clients.for(bucket);
    const objects: Listed[] = [];
    let token: string | undefined;
    let pages = 0;
    try {
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket.bucket, Prefix: directory, ContinuationToken: token }));
        for (const entry of page.Contents ?? []) {
          if (!entry.Key || !FORMAT.test(entry.Key)) continue;
          objects.push({ key: entry.Key, size: entry.Size ?? 0, modified: entry.LastModified?.getTime() ?? 0 });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
        pages += 1;
      } while (token && pages < MAX_PAGES);
    } catch (error) {
      // The page shows a bucket that does not answer; the other bucket's state still counts.
      return { objects, error: `${(error as Error).name}: ${(error as Error).message}`, truncated: false };
    }
    return { objects, error: null, truncated: token !== undefined };
  }
}

function bucketActivity(role: 'client' | 'backup', bucket: BucketTarget, listed: { objects: Listed[]; error: string | null; truncated: boolean }): BucketActivity {
  const newest = listed.objects.reduce((latest, object) => Math.max(latest, object.modified), 0);
  return {
    role,
    bucket: bucket.bucket,
    objects: listed.objects.length,
    bytes: listed.objects.reduce((sum, object) => sum + object.size, 0),
    last_write_at: newest > 0 ? new Date(newest).toISOString() : null,
    error: listed.error,
    truncated: listed.truncated,
  };
}
