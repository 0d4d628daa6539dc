import { Controller, Get, HttpCode, Post, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { CustomerConfig } from '@tracking/customers';
import { ApiError, AuditRows } from '@tracking/http';
import { AuditInterceptor } from '../../audit/audit.interceptor';
import { AuthenticatedCustomer } from '../../auth/authenticated-customer';
import { CustomerRateLimitGuard } from '../../rate-limit/rate-limit.guards';
import { AdminAccessGuard, ReadAccessGuard } from '../console-access.guards';
import { SESSION_COOKIE } from '../console-cookies';
import { ConsoleExportsService, DEFAULT_ACTIVITY_HOURS, MAX_ACTIVITY_HOURS, type ConsoleExportStatus } from './console-exports.service';

const TENANT = 'A customer session or token reads its own tenant (X-Customer-ID with a bearer token); an operator session names the customer with customer_id.';

/**
 * The tenant's S3 export for the console's Exports page (issue 21), through the exporter's admin
 * API: status (read scope) and run now (admin scope). The exporter is asked about the authenticated
 * customer only.
 */
@ApiTags('console')
@ApiCookieAuth(SESSION_COOKIE)
@ApiBearerAuth()
@ApiHeader({ name: 'X-Customer-ID', required: false, description: 'With a bearer token; an operator session may use it instead of customer_id' })
@ApiQuery({ name: 'customer_id', required: false, description: 'The customer an operator session works on' })
@Controller('console/api/exports')
@UseInterceptors(AuditInterceptor)
export class ConsoleExportsController {
  constructor(private readonly exports: ConsoleExportsService) {}

  @Get('status')
  @UseGuards(ReadAccessGuard, CustomerRateLimitGuard)
  @ApiOperation({
    summary: "The tenant's export: configuration (no secrets), state (exporting, failing, misconfigured; objects, events, pending, last error, next retry), objects stored per hour and format, and each bucket's newest write and listing error",
    description: `${TENANT} A customer without s3_export gets {configured: false}. 503 when the gateway cannot reach the exporter (EXPORTER_URL).`,
  })
  @ApiQuery({ name: 'hours', required: false, description: `Hours of activity, 1 to ${MAX_ACTIVITY_HOURS} (default ${DEFAULT_ACTIVITY_HOURS})` })
  @ApiResponse({ status: 200, description: '{customer_id, configured, configuration, status, activity}' })
  @AuditRows((answer: ConsoleExportStatus) => (answer.configured ? 1 : 0))
  status(@AuthenticatedCustomer() customer: CustomerConfig, @Query('hours') hours: string | undefined): Promise<ConsoleExportStatus> {
    const span = hours === undefined ? DEFAULT_ACTIVITY_HOURS : Number(hours);
    if (!Number.isInteger(span) || span < 1 || span > MAX_ACTIVITY_HOURS) throw ApiError.invalid([{ field: 'hours', reason: `must be a whole number from 1 to ${MAX_ACTIVITY_HOURS}` }]);
    return this.exports.status(customer.customerId, span);
  }

  @Post('run')
  @HttpCode(200)
  @UseGuards(AdminAccessGuard, CustomerRateLimitGuard)
  @ApiOperation({
    summary: "Run the tenant's export now: close its open objects on every exporter instance and answer once they are written",
    description: `${TENANT} Needs the admin scope; a console session sends X-CSRF-Token. 404 without s3_export.`,
  })
  @ApiResponse({ status: 200, description: '{customer_id, objects, events, failed, instances_unreached}' })
  @ApiResponse({ status: 403, description: 'FORBIDDEN: no admin scope, another tenant named, or no CSRF token with a session' })
  @AuditRows((result: { events?: number }) => result.events ?? null)
  run(@AuthenticatedCustomer() customer: CustomerConfig): Promise<object> {
    return this.exports.run(customer.customerId);
  }
}
