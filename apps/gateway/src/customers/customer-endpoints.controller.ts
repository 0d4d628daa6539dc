import { Controller, Get, Param, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { CustomerConfig } from '@tracking/customers';
import { ReadinessRegistry } from '@tracking/observability';
import { AuditInterceptor } from '../audit/audit.interceptor';
import { ApiTokenGuard } from '../auth/api-token.guard';
import { AuthenticatedCustomer } from '../auth/authenticated-customer';
import { ApiError } from '@tracking/http';
import type { GatewayRequest } from '../http/gateway-request';
import { API_DOCS } from '../openapi/api-docs';
import { RateLimiter } from '../rate-limit/rate-limiter';
import { storageUsageAnswer } from '../usage/storage-usage';
import { StorageUsageRepository } from '../usage/storage-usage.repository';
import { CustomerRegistry } from './customer.registry';

const SERVICE_NAME = 'Enhanced Site Tracking API';

/** Seed 000's customer-facing read endpoints: health per customer, and the customer's tracking configuration. */
@ApiTags('customer')
@Controller()
@UseInterceptors(AuditInterceptor)
export class CustomerEndpointsController {
  constructor(
    private readonly customers: CustomerRegistry,
    private readonly limiter: RateLimiter,
    private readonly readiness: ReadinessRegistry,
    private readonly usage: StorageUsageRepository,
  ) {}

  @Get('health/:customerId')
  @ApiOperation(API_DOCS.health.operation)
  @ApiResponse(API_DOCS.health.ok)
  async health(@Param('customerId') customerId: string, @Req() request: GatewayRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<object> {
    await this.limiter.enforceHealth(request, reply, customerId);
    const customer = this.customers.find(customerId);
    if (!customer) throw new ApiError(404, 'CUSTOMER_NOT_FOUND', `Customer configuration not found for "${customerId.slice(0, 100)}"`);
    request.customer = customer;
    const report = await this.readiness.report();
    reply.status(report.status === 'ready' ? 200 : 503);
    return {
      status: report.status === 'ready' ? 'healthy' : 'degraded',
      customer_id: customer.customerId,
      customer_name: customer.name,
      service: SERVICE_NAME,
      tracking_features: Object.entries(customer.features)
        .filter(([, enabled]) => enabled)
        .map(([feature]) => feature),
      rate_limit: customer.technical.apiRateLimit,
      locations: customer.locations.length,
      compliance: { hipaa_required: customer.compliance.hipaaRequired, data_residency: customer.compliance.dataResidency },
      dependencies: report.checks,
      timestamp: new Date().toISOString(),
    };
  }

  @Get('api/v1/customer/:customerId/tracking-config')
  @UseGuards(ApiTokenGuard)
  @ApiBearerAuth()
  @ApiHeader({ name: 'X-Customer-ID', required: true })
  @ApiOperation(API_DOCS.config.operation)
  @ApiResponse(API_DOCS.config.ok)
  async trackingConfig(
    @Param('customerId') customerId: string,
    @AuthenticatedCustomer() customer: CustomerConfig,
    @Req() request: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<object> {
    if (customerId !== customer.customerId) {
      throw new ApiError(403, 'FORBIDDEN', `Authenticated as "${customer.customerId}"; the configuration of "${customerId.slice(0, 100)}" is not yours`);
    }
    await this.limiter.enforceConfig(request, reply, customer.customerId);
    const timestamp = new Date().toISOString();
    // A database outage leaves the usage unknown (measured: false), not the whole answer failing.
    const usage = await this.usage.find(customer.customerId).catch(() => undefined);
    return {
      success: true,
      config: {
        customer_id: customer.customerId,
        tenant_hk: customer.tenantHk,
        tracking_settings: {
          rate_limit: customer.technical.apiRateLimit,
          storage_quota_gb: customer.technical.storageQuotaGb,
          storage_usage: storageUsageAnswer(usage, customer.technical.storageQuotaGb),
          backup_retention_days: customer.technical.backupRetentionDays,
          hipaa_compliance: customer.compliance.hipaaRequired,
          data_residency: customer.compliance.dataResidency,
        },
        enabled_features: customer.features,
        flags: customer.flags,
        privacy: {
          ip_address_hashing: customer.privacy.ipAddressHashing,
          user_agent_truncation: customer.privacy.userAgentTruncation,
          pii_detection: customer.privacy.piiDetection,
          consent_required: customer.privacy.consentRequired,
          server_events_consent: customer.privacy.serverEventsConsent,
          geographic_restrictions: customer.privacy.geographicRestrictions,
          honor_do_not_track: customer.privacy.honorDoNotTrack,
          data_retention_days: customer.privacy.dataRetentionDays,
        },
        allowed_origins: customer.tracking.allowedOrigins,
        // Seed 004's sites: what separates the customer's data (discovered sites are not listed: they are data, not configuration).
        sites: customer.sites.declared.map((site) => ({ id: site.id, name: site.name, domains: site.domains, settings: site.settings })),
        site_discovery: customer.sites.discovery,
        api_endpoints: {
          track_event: '/api/v1/track',
          bulk_track: '/api/v1/track/bulk',
          async_track: '/api/v1/track/async',
          browser_collect: '/api/v1/tracking/collect',
          get_config: `/api/v1/customer/${customer.customerId}/tracking-config`,
        },
        timestamp,
      },
      audit_logged: false,
    };
  }
}
