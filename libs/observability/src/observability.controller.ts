import { Controller, Get, Header, HttpCode, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Registry } from 'prom-client';
import { METRICS_REGISTRY } from './tokens';
import { ReadinessRegistry } from './readiness';

/** Liveness, readiness and Prometheus metrics; named /livez and /readyz so they never collide with /health/{customer_id}. */
@Controller()
export class ObservabilityController {
  constructor(
    private readonly readiness: ReadinessRegistry,
    @Inject(METRICS_REGISTRY) private readonly metrics: Registry,
  ) {}

  @Get('livez')
  @HttpCode(200)
  live(): { status: 'alive' } {
    return { status: 'alive' };
  }

  @Get('readyz')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    const report = await this.readiness.report();
    reply.status(report.status === 'ready' ? 200 : 503);
    return report;
  }

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.header('Content-Type', this.metrics.contentType);
    return this.metrics.metrics();
  }
}
