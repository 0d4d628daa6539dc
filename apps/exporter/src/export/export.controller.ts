import { applyDecorators, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CUSTOMER_ID_PATTERN } from '@tracking/customers';
import { ADMIN_AUTH, AdminTokenGuard, ApiError } from '@tracking/http';
import { ExportStatusService } from './export-status.service';
import { ExportService, type FlushResult } from './export.service';

const forCustomer = (summary: string): MethodDecorator =>
  applyDecorators(ApiOperation({ summary }), ApiQuery({ name: 'customer_id', required: false, description: 'One customer; all when absent' }));

/**
 * Seed 004's export operations, on the exporter's own port under /api/v1/export and guarded by the
 * operators' token (TRACKING_ADMIN_TOKEN): run (flush open objects now), status, config (no secrets).
 * `customer_id` narrows each to one customer.
 */
@ApiTags('export')
@ApiBearerAuth(ADMIN_AUTH)
@Controller('api/v1/export')
@UseGuards(AdminTokenGuard)
export class ExportController {
  constructor(
    private readonly exports: ExportService,
    private readonly exportStatus: ExportStatusService,
  ) {}

  @Post('run')
  @HttpCode(200)
  @forCustomer('Flush the open objects now instead of at their schedule')
  async run(@Query('customer_id') customerId: string | undefined): Promise<{ success: true } & FlushResult> {
    this.checkCustomer(customerId);
    return { success: true, ...(await this.exports.flush(customerId)) };
  }

  @Get('status')
  @forCustomer("Each customer's export state: events and objects written, pending events, last error")
  status(@Query('customer_id') customerId: string | undefined): Promise<Record<string, unknown>> {
    this.checkCustomer(customerId);
    return this.exportStatus.status(customerId);
  }

  @Get('config')
  @forCustomer("Each customer's s3_export configuration, without secrets")
  configuration(@Query('customer_id') customerId: string | undefined): Record<string, unknown> {
    this.checkCustomer(customerId);
    return this.exportStatus.configuration(customerId);
  }

  private checkCustomer(customerId: string | undefined): void {
    if (customerId === undefined) return;
    if (!CUSTOMER_ID_PATTERN.test(customerId)) throw ApiError.invalid([{ field: 'customer_id', reason: `must match ${CUSTOMER_ID_PATTERN}` }]);
    if (!this.exportStatus.knows(customerId)) throw new ApiError(404, 'NOT_FOUND', `Customer ${customerId} has no s3_export configuration`);
  }
}
