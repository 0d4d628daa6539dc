import { Controller, Get, Headers, HttpCode, HttpException, Inject, Post, Query } from '@nestjs/common';
import { checkAdminToken } from '@tracking/config';
import { CUSTOMER_ID_PATTERN } from '@tracking/customers';
import { EXPORTER_CONFIG, type ExporterConfig } from '../config/exporter.config';
import { ExportStatusService } from './export-status.service';
import { ExportService, type FlushResult } from './export.service';

/** Seed 000's error shape: success false, a code, a message saying what and where. */
function failure(status: number, code: string, message: string): HttpException {
  return new HttpException({ success: false, error_code: code, error: message }, status);
}

/**
 * Seed 004's export operations, on the exporter's own port under /api/v1/export and guarded by the
 * operators' token (TRACKING_ADMIN_TOKEN): run (flush open objects now), status, config (no secrets).
 * `customer_id` narrows each to one customer.
 */
@Controller('api/v1/export')
export class ExportController {
  constructor(
    @Inject(EXPORTER_CONFIG) private readonly config: ExporterConfig,
    private readonly exports: ExportService,
    private readonly status_: ExportStatusService,
  ) {}

  @Post('run')
  @HttpCode(200)
  async run(@Headers('authorization') authorization: string | undefined, @Query('customer_id') customerId: string | undefined): Promise<{ success: true } & FlushResult> {
    this.authorise(authorization);
    this.checkCustomer(customerId);
    return { success: true, ...(await this.exports.flush(customerId)) };
  }

  @Get('status')
  status(@Headers('authorization') authorization: string | undefined, @Query('customer_id') customerId: string | undefined): Promise<Record<string, unknown>> {
    this.authorise(authorization);
    this.checkCustomer(customerId);
    return this.status_.status(customerId);
  }

  @Get('config')
  config_(@Headers('authorization') authorization: string | undefined, @Query('customer_id') customerId: string | undefined): Record<string, unknown> {
    this.authorise(authorization);
    this.checkCustomer(customerId);
    return this.status_.configuration(customerId);
  }

  private authorise(authorization: string | undefined): void {
    const check = checkAdminToken(this.config.adminTokenSha256, authorization);
    if (check === 'disabled') throw failure(404, 'NOT_FOUND', 'Export operations are disabled: set TRACKING_ADMIN_TOKEN to enable them');
    if (check !== 'ok') throw failure(401, 'UNAUTHORIZED', 'Export operations need Authorization: Bearer <TRACKING_ADMIN_TOKEN>');
  }

  private checkCustomer(customerId: string | undefined): void {
    if (customerId === undefined) return;
    if (!CUSTOMER_ID_PATTERN.test(customerId)) throw failure(400, 'INVALID_REQUEST', `customer_id must match ${CUSTOMER_ID_PATTERN}`);
    if (!this.status_.knows(customerId)) {
      throw failure(404, 'NOT_FOUND', `Customer ${customerId} has no s3_export configuration`);
    }
  }
}
