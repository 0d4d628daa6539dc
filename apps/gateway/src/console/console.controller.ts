import { Controller, Get, Inject, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { CustomerConfig } from '@tracking/customers';
import { AuditRows, listedRows } from '@tracking/http';
import { AuditInterceptor } from '../audit/audit.interceptor';
import { AuthenticatedCustomer } from '../auth/authenticated-customer';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { RequestHealthService } from '../gateway-health/request-health.service';
import { CustomerRateLimitGuard } from '../rate-limit/rate-limit.guards';
import { ConsumerLagService } from '../reporting/consumer-lag.service';
import { layerBacklog, lastProcessed } from '../reporting/pipeline.queries';
import { TenantReadRepository } from '../reporting/tenant-read.repository';
import { ConsoleOperatorGuard, ReadAccessGuard } from './console-access.guards';
import { SESSION_COOKIE } from './console-cookies';
import { eventsPerMinute } from './console.queries';
import { CustomerHealthService } from './operator/customer-health.service';

const OVERVIEW_MINUTES = 60;
/** The Overview's list of the gateway's last error answers to the tenant. */
const RECENT_ERRORS = 20;

/**
 * The console's own read routes (issue 21), documented and callable by scripts like every other:
 * a customer's read-scoped token or console session sees its tenant; operators see all.
 */
@ApiTags('console')
@ApiCookieAuth(SESSION_COOKIE)
@ApiBearerAuth()
@Controller('console/api')
@UseInterceptors(AuditInterceptor)
export class ConsoleController {
  constructor(
    private readonly reader: TenantReadRepository,
    private readonly lag: ConsumerLagService,
    private readonly requestHealth: RequestHealthService,
    private readonly customerHealth: CustomerHealthService,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'consumerGroups'>,
  ) {}

  @Get('overview')
  @UseGuards(ReadAccessGuard, CustomerRateLimitGuard)
  @ApiOperation({
    summary: "The tenant's last hour: events per minute (accepted; rejected = refused by the gateway + marked invalid by the vault-loader), consumer lag and state, the gateway's p50/p99 per minute and its last 20 error answers",
    description:
      'A customer session or a read-scoped token (X-Customer-ID) reads its own tenant; an operator session names the customer with customer_id. Consumer lag is service-wide (Kafka offsets are per service, not per tenant).',
  })
  @ApiHeader({ name: 'X-Customer-ID', required: false, description: 'With a bearer token; an operator session may use it instead of customer_id' })
  @ApiQuery({ name: 'customer_id', required: false, description: 'The customer an operator session reads' })
  @AuditRows(listedRows)
  async overview(@AuthenticatedCustomer() customer: CustomerConfig): Promise<object> {
    const tenantHk = Buffer.from(customer.tenantHk, 'hex');
    // Both settle before the answer (or the failure): no read outlives its request.
    const [lagResult, vaultResult, gatewayResult] = await Promise.allSettled([
      this.lag.current(),
      this.reader.read(customer.tenantHk, async (read) => ({
        minutes: await eventsPerMinute(read, tenantHk, OVERVIEW_MINUTES),
        backlog: await layerBacklog(read, tenantHk),
        last: await lastProcessed(read, tenantHk),
      })),
      // Every gateway instance's minutes and errors for this tenant (gateway.request_minutes / request_errors).
      Promise.all([this.requestHealth.latencyPerMinute(customer.customerId, OVERVIEW_MINUTES), this.requestHealth.recentErrors(customer.customerId, RECENT_ERRORS)]),
    ]);
    if (lagResult.status === 'rejected') throw lagResult.reason;
    if (vaultResult.status === 'rejected') throw vaultResult.reason;
    if (gatewayResult.status === 'rejected') throw gatewayResult.reason;
    const [lag, vault, [latency, errors]] = [lagResult.value, vaultResult.value, gatewayResult.value];
    const sum = (field: 'accepted' | 'rejected' | 'gateway_refused' | 'loader_invalid') => vault.minutes.reduce((total, minute) => total + minute[field], 0);
    return {
      customer_id: customer.customerId,
      window_minutes: OVERVIEW_MINUTES,
      events_per_minute: vault.minutes,
      totals: { accepted: sum('accepted'), rejected: sum('rejected'), gateway_refused: sum('gateway_refused'), loader_invalid: sum('loader_invalid') },
      pipeline_status: { raw_pending: lag[this.config.consumerGroups.vaultLoader]?.lag ?? null, ...vault.backlog, ...vault.last },
      consumer_lag: lag,
      latency_per_minute: latency,
      recent_errors: errors,
      timestamp: new Date().toISOString(),
    };
  }

  @Get('customers')
  @UseGuards(ConsoleOperatorGuard)
  @ApiOperation({
    summary: 'Operators only: every customer with its volume and health',
    description:
      "An operator console session or TRACKING_ADMIN_TOKEN as bearer token. Per customer: events in the last hour (accepted and rejected by validation), 24 hours, 7 days and in total, the last event's arrival, the gateway's requests, error rate and p50/p99 of the last hour (every instance), events per minute of the last hour, and a state (ok, quiet, failing) with its reason. Each tenant's vault figures are read through its own row-level-security scope.",
  })
  @AuditRows(listedRows)
  async list(): Promise<object> {
    return { customers: await this.customerHealth.list(), timestamp: new Date().toISOString() };
  }
}
