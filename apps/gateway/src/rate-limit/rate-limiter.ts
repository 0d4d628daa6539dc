import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { CustomerConfig } from '@tracking/customers';
import { assessRequest } from '@tracking/ingestion';
import { LOGGER, METRICS_REGISTRY, type Logger } from '@tracking/observability';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ApiError } from '@tracking/http';
import type { GatewayRequest, RateLimitState } from '../http/gateway-request';
import { RATE_LIMIT_STORE, type ConsumeResult, type RateLimitStore, type WindowCheck } from './rate-limit.store';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface NamedCheck extends WindowCheck {
  /** Shown to the client when this check refuses: seed 000 says "Rate limit exceeded for IP". */
  refusal: string;
  label: 'ip' | 'customer' | 'key' | 'health' | 'config' | 'console_sign_in';
}

/**
 * The gateway's limits (seed 000 and 002): per client address and per key per minute, per customer
 * per hour (`technical.api_rate_limit`), and the health and config routes' own. Every answer
 * carries X-RateLimit-Limit/Remaining/Reset of the tightest limit that applied.
 */
@Injectable()
export class RateLimiter implements OnApplicationShutdown {
  private readonly refusals: Counter<'limit'>;

  constructor(
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.refusals = new Counter({
      name: 'gateway_rate_limit_refusals_total',
      help: 'Requests refused with 429, by the limit that refused them',
      labelNames: ['limit'],
      registers: [registry],
    });
  }

  /** Before authentication: counts every attempt from an address, so token guessing is limited too. */
  enforceClientAddress(request: GatewayRequest, reply: FastifyReply): Promise<void> {
    return this.enforce(request, reply, this.addressChecks(request));
  }

  /** After authentication, so nobody can spend a customer's quota with invalid tokens. */
  enforceCustomer(request: GatewayRequest, reply: FastifyReply, customer: CustomerConfig): Promise<void> {
    return this.enforce(request, reply, this.customerChecks(customer, request.keyId ?? null));
  }

  /**
   * enforceClientAddress, `between`, then enforceCustomer, with the two limits counted in one round
   * trip to the store: the address first (a refusal there ends it, counting nothing more), then the
   * customer's and key's. `customer` is the one the request will be authenticated as, given only
   * when every check `between` makes will pass, so that a refused request spends none of its quota;
   * `between` runs once the address passed, and its refusals come before the customer's limit.
   */
  async enforceAddressThenCustomer(
    request: GatewayRequest,
    reply: FastifyReply,
    customer: { config: CustomerConfig; keyId: string | null } | undefined,
    between: () => void,
  ): Promise<void> {
    const stages = [this.addressChecks(request)];
    if (customer) stages.push(this.customerChecks(customer.config, customer.keyId));
    const now = Date.now();
    let results: ConsumeResult[] = [];
    try {
      results = await this.store.consumeStages(stages, now);
    } catch (error) {
      this.logger.warn({ err: error }, 'rate limit store unavailable; request not counted');
    }
    if (results[0]) this.apply(request, reply, stages[0], results[0], now);
    between();
    if (results[1]) this.apply(request, reply, stages[1], results[1], now);
  }

  private addressChecks(request: GatewayRequest): NamedCheck[] {
    return [{ label: 'ip', subject: `ip:${request.ip}`, limit: this.config.rateLimits.perIpPerMinute, windowMs: MINUTE, refusal: 'Rate limit exceeded for IP' }];
  }

  private customerChecks(customer: CustomerConfig, keyId: string | null): NamedCheck[] {
    const checks: NamedCheck[] = [
      {
        label: 'customer',
        subject: `customer:${customer.customerId}`,
        limit: customer.technical.apiRateLimit,
        windowMs: HOUR,
        refusal: 'Rate limit exceeded for customer',
      },
    ];
    if (keyId) {
      checks.push({
        label: 'key',
        subject: `key:${customer.customerId}:${keyId}`,
        limit: this.config.rateLimits.perKeyPerMinute,
        windowMs: MINUTE,
        refusal: 'Rate limit exceeded for key',
      });
    }
    return checks;
  }

  enforceHealth(request: GatewayRequest, reply: FastifyReply, customerId: string): Promise<void> {
    return this.enforce(request, reply, [
      {
        label: 'health',
        subject: `health:${customerId}:${request.ip}`,
        limit: this.config.rateLimits.healthPerMinute,
        windowMs: MINUTE,
        refusal: 'Rate limit exceeded for health checks',
      },
    ]);
  }

  /** Console sign-in attempts per client address, right or wrong: guessing tokens stays slow. */
  enforceConsoleSignIn(request: GatewayRequest, reply: FastifyReply, perMinute: number): Promise<void> {
    return this.enforce(request, reply, [
      { label: 'console_sign_in', subject: `console-sign-in:${request.ip}`, limit: perMinute, windowMs: MINUTE, refusal: 'Too many console sign-in attempts' },
    ]);
  }

  enforceConfig(request: GatewayRequest, reply: FastifyReply, customerId: string): Promise<void> {
    return this.enforce(request, reply, [
      {
        label: 'config',
        subject: `config:${customerId}`,
        limit: this.config.rateLimits.configPerMinute,
        windowMs: MINUTE,
        refusal: 'Rate limit exceeded for configuration reads',
      },
    ]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }

  private async enforce(request: GatewayRequest, reply: FastifyReply, checks: NamedCheck[]): Promise<void> {
    const now = Date.now();
    let result;
    try {
      result = await this.store.consume(checks, now);
    } catch (error) {
      // Counting is protection, not the product: if the counter store is away, serve rather than refuse.
      this.logger.warn({ err: error }, 'rate limit store unavailable; request not counted');
      return;
    }
    this.apply(request, reply, checks, result, now);
  }

  /** Sets the headers of the tightest limit so far, and throws the 429 when a check refused. */
  private apply(request: GatewayRequest, reply: FastifyReply, checks: NamedCheck[], result: ConsumeResult, now: number): void {
    const states: RateLimitState[] = checks.map((check, index) => ({
      limit: check.limit,
      remaining: Math.max(check.limit - result.counts[index], 0),
      resetAt: Math.floor(now / check.windowMs) * check.windowMs + check.windowMs,
    }));
    const shown =
      result.refusedBy !== undefined ? states[result.refusedBy] : states.reduce((tightest, state) => (state.remaining < tightest.remaining ? state : tightest));
    if (result.refusedBy !== undefined || !request.rateLimit || shown.remaining <= request.rateLimit.remaining) request.rateLimit = shown;
    const headers = rateLimitHeaders(request.rateLimit);
    reply.headers(headers);
    if (result.refusedBy === undefined) return;

    const refusedBy = checks[result.refusedBy];
    this.refusals.inc({ limit: refusedBy.label });
    request.abuse = { kind: 'rate_limited', customerId: request.customer?.customerId ?? null };
    const retryAfter = Math.max(1, Math.ceil((shown.resetAt - now) / 1000));
    const assessment = assessRequest({ userAgent: request.headers['user-agent'] ?? null, fromBrowser: false, clockSkewMs: null });
    throw new ApiError(429, 'RATE_LIMITED', refusedBy.refusal, undefined, { ...headers, 'Retry-After': String(retryAfter) }, {
      message: 'Request rate limited or blocked',
      tracking_result: {
        allowed: false,
        security_score: assessment.score,
        suspicious: assessment.suspicious,
        rate_limit_remaining: 0,
        reason: refusedBy.refusal,
      },
    });
  }
}

export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(state.limit),
    'X-RateLimit-Remaining': String(state.remaining),
    'X-RateLimit-Reset': new Date(state.resetAt).toISOString().replace('.000Z', 'Z'),
  };
}
