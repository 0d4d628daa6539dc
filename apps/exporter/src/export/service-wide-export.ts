import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, type Logger } from '@tracking/observability';
import { ExportStatusService } from './export-status.service';
import { ExportService, type FlushResult } from './export.service';
import { mergeStatuses, type InstanceReport, type InstanceStatus, type ServiceStatus } from './service-status';

/** A flush can wait for many objects to be written; a status answers from memory. */
const RUN_TIMEOUT_MS = 120_000;
const STATUS_TIMEOUT_MS = 10_000;

export interface ServiceRunResult extends FlushResult {
  success: true;
  /** Each instance's part; `error` when it could not be reached (its open objects stay open). */
  instances: Array<{ instance_id: string; url: string | null; error: string | null } & Partial<FlushResult>>;
}

/**
 * The export operations for the whole service, whichever instance is asked: it finds the other
 * members of the exporter group from the group's description (each announced its id and port when it
 * joined) and asks each for its own part over the same API (`scope=instance`), with the caller's
 * credentials. Nothing is stored besides what each instance already holds, so the answer is never
 * staler than the instances themselves, and a run flushes every instance's open objects.
 */
@Injectable()
export class ServiceWideExport {
  constructor(
    private readonly exports: ExportService,
    private readonly status: ExportStatusService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async run(customerId: string | undefined, authorization: string): Promise<ServiceRunResult> {
    const local = this.exports.flush(customerId);
    const others = await this.others();
    const remote = others.map(async (peer) => {
      try {
        const result = await this.ask<FlushResult>(peer.url, 'POST', 'run', customerId, authorization, RUN_TIMEOUT_MS);
        return { instance_id: peer.id, url: peer.url, error: null, objects: result.objects, events: result.events, failed: result.failed };
      } catch (error) {
        return { instance_id: peer.id, url: peer.url, error: (error as Error).message };
      }
    });
    const mine = await local;
    const instances = [{ instance_id: this.status.instanceId(), url: null, error: null, ...mine }, ...(await Promise.all(remote))];
    const total = (key: keyof FlushResult) => instances.reduce((sum, instance) => sum + (instance[key] ?? 0), 0);
    return { success: true, objects: total('objects'), events: total('events'), failed: total('failed'), instances };
  }

  async statusOf(customerId: string | undefined, authorization: string): Promise<ServiceStatus> {
    const others = await this.others();
    const [lag, ...remote] = await Promise.all([
      this.status.consumerLag(),
      ...others.map(async (peer): Promise<InstanceReport> => {
        try {
          return { instance_id: peer.id, url: peer.url, status: await this.ask<InstanceStatus>(peer.url, 'GET', 'status', customerId, authorization, STATUS_TIMEOUT_MS) };
        } catch (error) {
          return { instance_id: peer.id, url: peer.url, error: (error as Error).message };
        }
      }),
    ]);
    const local = this.status.instanceStatus(customerId);
    return mergeStatuses([{ instance_id: local.instance_id, url: null, status: local }, ...(remote as InstanceReport[])], lag as number | null);
  }

  /** The other instances; none (this one answers alone) while the group cannot be described. */
  private async others(): Promise<Array<{ id: string; url: string }>> {
    try {
      return await this.status.otherInstances();
    } catch (error) {
      this.logger.warn({ err: error }, 'the exporter group cannot be described; answering for this instance only');
      return [];
    }
  }

  private async ask<T>(base: string, method: 'GET' | 'POST', operation: 'run' | 'status', customerId: string | undefined, authorization: string, timeoutMs: number): Promise<T> {
    const query = new URLSearchParams({ scope: 'instance', ...(customerId === undefined ? {} : { customer_id: customerId }) });
    const response = await fetch(`${base}/api/v1/export/${operation}?${query}`, { method, headers: { authorization }, signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new Error(`${operation} answered ${response.status}`);
    return (await response.json()) as T;
  }
}
