import { Inject, Injectable } from '@nestjs/common';
import type { CustomerConfig } from '@tracking/customers';
import { buildTrackingEvent, validateTrackRequest, type IngestionContext } from '@tracking/ingestion';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ApiError } from '../http/api-error';
import { EventPublishingService } from '../messaging/event-publishing.service';

export interface RequestOrigin {
  clientIp: string | null;
  userAgent: string | null;
}

export interface TrackResponse {
  success: true;
  message: string;
  event_id: string;
  customer_id: string;
  tenant_hk: string;
  timestamp: string;
  tracking_result: {
    allowed: true;
    security_score: number;
    suspicious: boolean;
    rate_limit_remaining: number | null;
  };
  audit_logged: boolean;
}

/** Validates, builds and publishes one event; answers only after Kafka acknowledged it. */
@Injectable()
export class TrackService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly events: EventPublishingService,
  ) {}

  async trackOne(body: unknown, customer: CustomerConfig, origin: RequestOrigin): Promise<TrackResponse> {
    const receivedAt = Date.now();
    const validation = validateTrackRequest(body, this.config.limits, receivedAt);
    if (!validation.ok) throw ApiError.invalid(validation.errors);
    const context: IngestionContext = {
      customerId: customer.customerId,
      receivedAt,
      clientIp: origin.clientIp,
      userAgent: origin.userAgent,
      source: 'api',
      batchId: null,
      ipMode: customer.privacy.ipAddressHashing ? { mode: 'hash', key: this.config.ipHashKey } : { mode: 'truncate' },
    };
    const event = buildTrackingEvent(validation.value, context);
    await this.events.publish([event]);
    return {
      success: true,
      message: 'Event tracked successfully with customer configuration',
      event_id: event.event_id,
      customer_id: customer.customerId,
      tenant_hk: customer.tenantHk,
      timestamp: new Date(receivedAt).toISOString(),
      tracking_result: { allowed: true, security_score: 100, suspicious: false, rate_limit_remaining: null },
      audit_logged: false,
    };
  }
}
