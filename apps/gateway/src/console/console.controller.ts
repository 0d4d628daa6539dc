import { Controller, Get, Inject, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { CustomerConfig } from '@tracking/customers';
import { AuditRows, listedRows } from '@tracking/http';
import { AuditInterceptor } from '../audit/audit.interceptor';
import { AuthenticatedCustomer } from '../auth/authenticated-customer';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { CustomerRegistry } from '../customers/customer.registry';
import { CustomerRateLimitGuard } from '../rate-limit/rate-limit.guards';
import { ConsumerLagService } from '../reporting/consumer-lag.service';
import { eventCounts, layerBacklog, lastProcessed } from '../reporting/pipeline.queries';
import { TenantReadRepository } from '../reporting/tenant-read.repository';
import { ConsoleOperatorGuard, ReadAccessGuard } from './console-access.guards';
import { SESSION_COOKIE } from './console-cookies';
import { eventsPerMinute } from './console.queries';

const OVERVIEW_MINUTES = 60;

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
    private readonly customers: CustomerRegistry,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'consumerGroups'>,
  ) {}

  @Get('overview')
  @UseGuards(ReadAccessGuard, CustomerRateLimitGuard)
  @ApiOperation({
    summary: "The tenant's last hour: events per minute (accepted; rejected = refused by the gateway + marked invalid by the vault-loader), consumer lag and state",
    description:
      'A customer session or a read-scoped token (X-Customer-ID) reads its own tenant; an operator session names the customer with customer_id. Consumer lag is service-wide (Kafka offsets are per service, not per tenant).',
  })
  @ApiHeader({ name: 'X-Customer-ID', required: false, description: 'With a bearer token; an operator session may use it instead of customer_id' })
  @ApiQuery({ name: 'customer_id', required: false, description: 'The customer an operator session reads' })
  @AuditRows(listedRows)
  async overview(@AuthenticatedCustomer() customer: CustomerConfig): Promise<object> {
    const tenantHk = Buffer.from(customer.tenantHk, 'hex');
    // Both settle before the answer (or the failure): no read outlives its request.
    const [lagResult, vaultResult] = await Promise.allSettled([
      this.lag.current(),
      this.reader.read(customer.tenantHk, async (read) => ({
        minutes: await eventsPerMinute(read, tenantHk, OVERVIEW_MINUTES),
        backlog: await layerBacklog(read, tenantHk),
        last: await lastProcessed(read, tenantHk),
      })),
    ]);
    if (lagResult.status === 'rejected') throw lagResult.reason;
    if (vaultResult.status === 'rejected') throw vaultResult.reason;
    const [lag, vault] = [lagResult.value, vaultResult.value];
    const sum = (field: 'accepted' | 'rejected' | 'gateway_refused' | 'loader_invalid') => vault.minutes.reduce((total, minute) => total + minute[field], 0);
    return {
      customer_id: customer.customerId,
      window_minutes: OVERVIEW_MINUTES,
      events_per_minute: vault.minutes,
      totals: { accepted: sum('accepted'), rejected: sum('rejected'), gateway_refused: sum('gateway_refused'), loader_invalid: sum('loader_invalid') },
      pipeline_status: { raw_pending: lag[this.config.consumerGroups.vaultLoader]?.lag ?? null, ...vault.backlog, ...vault.last },
      consumer_lag: lag,
      timestamp: new Date().toISOString(),
    };
  }

  @Get('customers')
  @UseGuards(ConsoleOperatorGuard)
  @ApiOperation({
    summary: 'Operators only: every customer with its volume (events in the last 24 hours, 7 days and in total)',
    description: 'An operator console session or TRACKING_ADMIN_TOKEN as bearer token. Each tenant is read through its own row-level-security scope.',
  })
  @AuditRows(listedRows)
  async list(): Promise<object> {
    const customers = [];
    for (const customer of [...this.customers.all()].sort((a, b) => a.customerId.localeCompare(b.customerId))) {
      const tenantHk = Buffer.from(customer.tenantHk, 'hex');
      const counts = await this.reader.read(customer.tenantHk, (read) => eventCounts(read, tenantHk));
      customers.push({
        customer_id: customer.customerId,
        name: customer.name,
        events_last_24_hours: counts.last_24_hours,
        events_last_7_days: counts.last_7_days,
        events_total: counts.total,
      });
    }
    return { customers, timestamp: new Date().toISOString() };
  }
}
