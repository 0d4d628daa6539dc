import { Inject, Injectable } from '@nestjs/common';
import { CONSUMER_SUBSCRIPTIONS, type ConsumingService } from '@tracking/contracts';
import { LOGGER, type Logger } from '@tracking/observability';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { GatewayPublisher } from '../messaging/gateway.publisher';

export interface ServiceLag {
  group: string;
  topics: readonly string[];
  /** Records on the topics the service has not committed yet; null when Kafka could not tell. */
  lag: number | null;
}

/** Keyed by consumer group, which is the service's name. */
export type ConsumerLag = Record<string, ServiceLag>;

const CACHE_MS = 2000;

/**
 * Consumer lag of every consuming service, from Kafka's committed offsets. Platform-wide: Kafka
 * does not know tenants. Cached for two seconds so a polling dashboard does not poll the brokers.
 */
@Injectable()
export class ConsumerLagService {
  private cached?: { at: number; lag: Promise<ConsumerLag> };

  constructor(
    private readonly kafka: GatewayPublisher,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'consumerGroups'>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  current(): Promise<ConsumerLag> {
    if (!this.cached || Date.now() - this.cached.at > CACHE_MS) this.cached = { at: Date.now(), lag: this.measure() };
    return this.cached.lag;
  }

  private async measure(): Promise<ConsumerLag> {
    const services = Object.keys(this.config.consumerGroups) as ConsumingService[];
    const entries = await Promise.all(
      services.map(async (service): Promise<[string, ServiceLag]> => {
        const group = this.config.consumerGroups[service];
        const topics = CONSUMER_SUBSCRIPTIONS[service];
        try {
          return [group, { group, topics, lag: (await this.kafka.consumerLag(group, topics)).lag }];
        } catch (error) {
          this.logger.warn({ err: error, group }, 'consumer lag unavailable');
          return [group, { group, topics, lag: null }];
        }
      }),
    );
    return Object.fromEntries(entries);
  }
}
