import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { TOPICS, type TrackingEvent } from '@tracking/contracts';
import { CUSTOMER_ID_PATTERN } from '@tracking/customers';
import { ADMIN_AUTH, AdminTokenGuard, ApiError, AuditRows } from '@tracking/http';
import { hourDirectory, parseObjectOffsets, partitionKeyPrefix, type ObjectFolder, eventHour } from '../assembly/object-layout';
import { EXPORT_TARGETS } from '../exporter.tokens';
import { ErasureRewriter } from '../privacy/erasure.rewriter';
import type { ExportTargets } from '../targets/export-targets';
import { selectForExport } from '../targets/export-selection';

/** Where one record of tracking.events.v1 was exported, as the console's event journey asks. */
export interface LocatedObjects {
  success: true;
  customer_id: string;
  /** found: objects hold it; not_yet: no object holds its offset yet (open, or not read yet); not_exported: the customer has no export or leaves this type out. */
  status: 'found' | 'not_yet' | 'not_exported';
  bucket: string | null;
  objects: Array<{ bucket: string; key: string; first_offset: string; last_offset: string }>;
}

const INTEGER = /^\d{1,19}$/;

/**
 * Finds the exported object(s) holding one record, from the record's own position and fields: an
 * object's key names its folder (customer, site, event hour) and its first and last offset of one
 * partition (object-layout.ts), so one listing of that folder and partition answers, without
 * reading any object. The record may be missing from an object that covers its offset only if it
 * was a duplicate of an event exported before (same event id): then an earlier object holds it.
 */
@ApiTags('export')
@ApiBearerAuth(ADMIN_AUTH)
@Controller('api/v1/export')
@UseGuards(AdminTokenGuard)
export class ObjectLocatorController {
  constructor(
    @Inject(EXPORT_TARGETS) private readonly targets: ExportTargets,
    private readonly buckets: ErasureRewriter,
  ) {}

  @Get('objects')
  @AuditRows((answer: LocatedObjects) => answer.objects.length)
  @ApiOperation({ summary: "The exported object(s) holding one tracking.events.v1 record of a customer, by its partition, offset and the fields that choose its folder" })
  @ApiQuery({ name: 'customer_id', required: true })
  @ApiQuery({ name: 'partition', required: true })
  @ApiQuery({ name: 'offset', required: true })
  @ApiQuery({ name: 'occurred_at', required: true, description: 'Epoch milliseconds: the event hour of its folder' })
  @ApiQuery({ name: 'event_type', required: true })
  @ApiQuery({ name: 'site_id', required: false })
  @ApiQuery({ name: 'page_url', required: false, description: 'For a record without site_id: the site is derived as the export derives it' })
  async locate(
    @Query('customer_id') customerId: string | undefined,
    @Query('partition') partitionText: string | undefined,
    @Query('offset') offsetText: string | undefined,
    @Query('occurred_at') occurredText: string | undefined,
    @Query('event_type') eventType: string | undefined,
    @Query('site_id') siteId: string | undefined,
    @Query('page_url') pageUrl: string | undefined,
  ): Promise<LocatedObjects> {
    const problems: Array<{ field: string; reason: string }> = [];
    if (customerId === undefined || !CUSTOMER_ID_PATTERN.test(customerId)) problems.push({ field: 'customer_id', reason: 'must be a customer id' });
    if (partitionText === undefined || !/^\d{1,6}$/.test(partitionText)) problems.push({ field: 'partition', reason: 'must be a partition number' });
    if (offsetText === undefined || !INTEGER.test(offsetText)) problems.push({ field: 'offset', reason: 'must be an offset' });
    if (occurredText === undefined || !INTEGER.test(occurredText)) problems.push({ field: 'occurred_at', reason: 'must be epoch milliseconds' });
    if (eventType === undefined || eventType === '') problems.push({ field: 'event_type', reason: 'is required' });
    if (problems.length > 0 || customerId === undefined || eventType === undefined) throw ApiError.invalid(problems);
    const target = this.targets.targets.get(customerId);
    if (!target) return { success: true, customer_id: customerId, status: 'not_exported', bucket: null, objects: [] };
    const event = { event_type: eventType, site_id: siteId ?? null, page_url: pageUrl ?? null, key_id: null, occurred_at: Number(occurredText) } as unknown as TrackingEvent;
    const selected = selectForExport(target, event);
    if (!selected) return { success: true, customer_id: customerId, status: 'not_exported', bucket: target.client.bucket, objects: [] };
    const folder: ObjectFolder = selected.site === undefined ? eventHour(event.occurred_at) : { ...eventHour(event.occurred_at), site: selected.site };
    const partition = Number(partitionText);
    const offset = BigInt(offsetText ?? '0');
    const keyPrefix = partitionKeyPrefix(hourDirectory(target.prefix, customerId, folder), TOPICS.trackingEvents, partition);
    const objects = [];
    for (const key of await this.buckets.list(target.client, keyPrefix)) {
      const range = parseObjectOffsets(key, keyPrefix);
      if (range && range.first <= offset && offset <= range.last) {
        objects.push({ bucket: target.client.bucket, key, first_offset: range.first.toString(), last_offset: range.last.toString() });
      }
    }
    return { success: true, customer_id: customerId, status: objects.length > 0 ? 'found' : 'not_yet', bucket: target.client.bucket, objects };
  }
}
