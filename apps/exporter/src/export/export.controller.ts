import { applyDecorators, Controller, Get, Headers, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CUSTOMER_ID_PATTERN } from '@tracking/customers';
import { ADMIN_AUTH, AdminTokenGuard, ApiError, AuditRows } from '@tracking/http';
import { ExportActivityService, type ExportActivity } from './export-activity.service';
import { ExportStatusService } from './export-status.service';
import { ExportUsageService, type ExportUsage } from './export-usage.service';
import { ExportService, type FlushResult } from './export.service';
import type { InstanceStatus, ServiceStatus } from './service-status';
import { ServiceWideExport, type ServiceRunResult } from './service-wide-export';

const forCustomer = (summary: string): MethodDecorator =>
  applyDecorators(ApiOperation({ summary }), ApiQuery({ name: 'customer_id', required: false, description: 'One customer; all when absent' }));
const scoped = (): MethodDecorator =>
  ApiQuery({ name: 'scope', required: false, enum: ['service', 'instance'], description: 'service (default): every instance of the exporter group; instance: only the one asked' });

/**
 * Seed 004's export operations, on the exporter's own port under /api/v1/export and guarded by the
 * operators' token (TRACKING_ADMIN_TOKEN): run (flush open objects now), status, config (no secrets).
 * `customer_id` narrows each to one customer. Every call is audited (ReadAuditInterceptor); the
 * record counts the customers a status or config answer lists and the events a run flushed.
 */
@ApiTags('export')
@ApiBearerAuth(ADMIN_AUTH)
@Controller('api/v1/export')
@UseGuards(AdminTokenGuard)
export class ExportController {
  constructor(
    private readonly exports: ExportService,
    private readonly exportStatus: ExportStatusService,
    private readonly serviceWide: ServiceWideExport,
    private readonly exportUsage: ExportUsageService,
    private readonly exportActivity: ExportActivityService,
  ) {}

  @Get('usage')
  @ApiOperation({ summary: "One customer's export storage: objects and bytes of its keys in its client and backup buckets, as S3 lists them now (any instance answers the same)" })
  @ApiQuery({ name: 'customer_id', required: true })
  async usage(@Query('customer_id') customerId: string | undefined): Promise<{ success: true } & ExportUsage> {
    if (customerId === undefined) throw ApiError.invalid([{ field: 'customer_id', reason: 'is required' }]);
    this.checkCustomer(customerId);
    const usage = await this.exportUsage.usage(customerId);
    if (!usage) throw new ApiError(404, 'NOT_FOUND', `Customer ${customerId} has no s3_export configuration`);
    return { success: true, ...usage };
  }

  @Get('activity')
  @ApiOperation({
    summary:
      "One customer's export activity, read from its buckets: event objects stored per hour and format over the last `hours` (client bucket, by the time S3 stored them), each bucket's objects, bytes, newest write and listing error, and this instance's failures since the last successful write",
  })
  @ApiQuery({ name: 'customer_id', required: true })
  @ApiQuery({ name: 'hours', required: false, description: 'Hours back from the current one, 1 to 168 (default 24)' })
  @AuditRows((activity: ExportActivity) => activity.per_hour.length)
  async activity(@Query('customer_id') customerId: string | undefined, @Query('hours') hours: string | undefined): Promise<{ success: true } & ExportActivity> {
    if (customerId === undefined) throw ApiError.invalid([{ field: 'customer_id', reason: 'is required' }]);
    this.checkCustomer(customerId);
    const span = hours === undefined ? 24 : Number(hours);
    if (!Number.isInteger(span) || span < 1 || span > 168) throw ApiError.invalid([{ field: 'hours', reason: 'must be a whole number from 1 to 168' }]);
    const activity = await this.exportActivity.activity(customerId, span);
    if (!activity) throw new ApiError(404, 'NOT_FOUND', `Customer ${customerId} has no s3_export configuration`);
    return { success: true, ...activity };
  }

  @Post('run')
  @HttpCode(200)
  @AuditRows((result: FlushResult) => result.events)
  @forCustomer('Flush the open objects now instead of at their schedule, on every instance')
  @scoped()
  async run(
    @Query('customer_id') customerId: string | undefined,
    @Query('scope') scope: string | undefined,
    @Headers('authorization') authorization: string,
  ): Promise<ServiceRunResult | ({ success: true; instance_id: string } & FlushResult)> {
    this.checkCustomer(customerId);
    if (this.checkScope(scope) === 'instance') return { success: true, instance_id: this.exportStatus.instanceId(), ...(await this.exports.flush(customerId)) };
    return this.serviceWide.run(customerId, authorization);
  }

  @Get('status')
  @AuditRows((status: { customers: unknown[] }) => status.customers.length)
  @forCustomer("Each customer's export state over every instance: events and objects written, events held in open objects or being written, last error; the group's lag split into records held on purpose and records not read yet")
  @scoped()
  async status(
    @Query('customer_id') customerId: string | undefined,
    @Query('scope') scope: string | undefined,
    @Headers('authorization') authorization: string,
  ): Promise<ServiceStatus | ({ success: true } & InstanceStatus)> {
    this.checkCustomer(customerId);
    if (this.checkScope(scope) === 'instance') return { success: true, ...this.exportStatus.instanceStatus(customerId) };
    return this.serviceWide.statusOf(customerId, authorization);
  }

  @Get('config')
  @AuditRows((configuration: { customers?: unknown[] }) => configuration.customers?.length ?? null)
  @forCustomer("Each customer's s3_export configuration, without secrets")
  configuration(@Query('customer_id') customerId: string | undefined): Record<string, unknown> {
    this.checkCustomer(customerId);
    return this.exportStatus.configuration(customerId);
  }

  private checkScope(scope: string | undefined): 'service' | 'instance' {
    if (scope === undefined || scope === 'service' || scope === 'instance') return scope ?? 'service';
    throw ApiError.invalid([{ field: 'scope', reason: 'must be service or instance' }]);
  }

  private checkCustomer(customerId: string | undefined): void {
    if (customerId === undefined) return;
    if (!CUSTOMER_ID_PATTERN.test(customerId)) throw ApiError.invalid([{ field: 'customer_id', reason: `must match ${CUSTOMER_ID_PATTERN}` }]);
    if (!this.exportStatus.knows(customerId)) throw new ApiError(404, 'NOT_FOUND', `Customer ${customerId} has no s3_export configuration`);
  }
}
