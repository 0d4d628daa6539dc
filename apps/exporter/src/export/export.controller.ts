import { Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { CUSTOMER_ID_PATTERN } from '@tracking/customers';
import { AdminTokenGuard, ApiError } from '@tracking/http';
import { ExportStatusService } from './export-status.service';
import { ExportService, type FlushResult } from './export.service';

/**
 * Seed 004's export operations, on the exporter's own port under /api/v1/export and guarded by the
 * operators' token (TRACKING_ADMIN_TOKEN): run (flush open objects now), status, config (no secrets).
 * `customer_id` narrows each to one customer.
 */
@Controller('api/v1/export')
@UseGuards(AdminTokenGuard)
export class ExportController {
  constructor(
    private readonly exports: ExportService,
    private readonly exportStatus: ExportStatusService,
  ) {}

  @Post('run')
  @HttpCode(200)
  async run(@Query('customer_id') customerId: string | undefined): Promise<{ success: true } & FlushResult> {
    this.checkCustomer(customerId);
    return { success: true, ...(await this.exports.flush(customerId)) };
  }

  @Get('status')
  status(@Query('customer_id') customerId: string | undefined): Promise<Record<string, unknown>> {
    this.checkCustomer(customerId);
    return this.exportStatus.status(customerId);
  }

  @Get('config')
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
