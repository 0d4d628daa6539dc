import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import {
  AvroDecodeError,
  AvroDeserializer,
  ERASURE_PLACES,
  ERASURE_REPORT_SCHEMA_FILE,
  TOPICS,
  readAvroSchema,
  type ErasurePlace,
  type ErasureReport,
  type ErasureRequestRecord,
  type SchemaRegistryPort,
} from '@tracking/contracts';
import { CompactedTopicFollower, FollowedTopicReader, type FollowedRecord } from '@tracking/kafka';

export interface ErasureReportsOptions {
  readerName: string;
  maxWaitMs?: number;
}

/** One place's state of one request: its latest report, or pending when it has not reported. */
export interface ErasurePlaceStatus {
  state: 'pending' | ErasureReport['state'];
  found: number | null;
  removed: number | null;
  finished_at: string | null;
  instance: string | null;
  detail: string | null;
}

export interface ErasureStatus {
  request_id: string;
  customer_id: string;
  requested_at: string;
  requested_by: string;
  subjects: { visitors: number; users: number };
  places: Record<ErasurePlace, ErasurePlaceStatus>;
}

/** A request's status per place, from its reports (pure: the status API's answer). */
export function erasureStatus(request: ErasureRequestRecord, reports: readonly ErasureReport[]): ErasureStatus {
  const places = {} as Record<ErasurePlace, ErasurePlaceStatus>;
  for (const place of ERASURE_PLACES) {
    const report = reports.find((candidate) => candidate.request_id === request.request_id && candidate.place === place);
    places[place] = report
      ? { state: report.state, found: report.found, removed: report.removed, finished_at: new Date(report.finished_at).toISOString(), instance: report.instance, detail: report.detail }
      : { state: 'pending', found: null, removed: null, finished_at: null, instance: null, detail: null };
  }
  return {
    request_id: request.request_id,
    customer_id: request.customer_id,
    requested_at: new Date(request.requested_at).toISOString(),
    requested_by: request.requested_by,
    subjects: { visitors: request.visitor_hks.length, users: request.user_hks.length },
    places,
  };
}

/** Follows privacy.erasure-reports.v1 whole (a CompactedTopicFollower): the latest report of each request and place. */
export class ErasureReports extends FollowedTopicReader<ErasureReport> {
  private reports = new Map<string, ErasureReport>();
  private reading = this.reports;
  protected readonly follower: CompactedTopicFollower<ErasureReport>;
  private readonly deserializer: AvroDeserializer<ErasureReport>;

  constructor(kafka: Kafka, registry: SchemaRegistryPort, logger: Logger, options: ErasureReportsOptions) {
    super();
    this.deserializer = new AvroDeserializer<ErasureReport>(registry, readAvroSchema(ERASURE_REPORT_SCHEMA_FILE).type);
    this.follower = new CompactedTopicFollower<ErasureReport>(
      kafka,
      logger,
      { topic: TOPICS.privacyErasureReports, readerName: options.readerName, label: 'erasure-reports', maxWaitMs: options.maxWaitMs },
      {
        decode: async (key, value, offset) => {
          try {
            return await this.deserializer.deserialize(value);
          } catch (error) {
            if (!(error instanceof AvroDecodeError)) throw error;
            logger.error({ err: error, key, offset }, `a record of ${TOPICS.privacyErasureReports} cannot be read; skipped`);
            return undefined;
          }
        },
        begin: (again) => {
          this.reading = again ? new Map() : this.reports;
        },
        apply: (records: ReadonlyArray<FollowedRecord<ErasureReport>>, catchingUp) => {
          const into = catchingUp ? this.reading : this.reports;
          for (const { key, value } of records) {
            if (value === null) into.delete(key);
            else into.set(key, value);
          }
        },
        caughtUp: () => {
          this.reports = this.reading;
        },
      },
    );
  }

  /** The latest report of each place for one request. */
  forRequest(requestId: string): readonly ErasureReport[] {
    return [...this.reports.values()].filter((report) => report.request_id === requestId);
  }
}
