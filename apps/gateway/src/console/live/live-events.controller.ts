import { Controller, Get, Inject, Param, Query, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiHeader, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { TrackingEvent } from '@tracking/contracts';
import type { CustomerConfig } from '@tracking/customers';
import { ApiError, AuditRows } from '@tracking/http';
import { AuditInterceptor } from '../../audit/audit.interceptor';
import { AuthenticatedCustomer } from '../../auth/authenticated-customer';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import type { GatewayRequest } from '../../http/gateway-request';
import { CustomerRateLimitGuard } from '../../rate-limit/rate-limit.guards';
import { ReadAccessGuard } from '../console-access.guards';
import { SESSION_COOKIE } from '../console-cookies';
import { EventJourneyService, type EventJourney } from './event-journey.service';
import { liveEventView, matchesFilters, type LiveFilters } from './live-event-view';
import { LiveEventsReader } from './live-events.reader';
import type { LiveSubscriber } from './live-streams';

const EVENT_TYPE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
/** Tells EventSource how long to wait before reconnecting after the server ended a stream. */
const RETRY_MS = 3000;

function liveFilters(type: string | undefined, url: string | undefined): LiveFilters {
  const problems = [];
  if (type !== undefined && type !== '' && !EVENT_TYPE.test(type)) problems.push({ field: 'type', reason: 'must be an event type (letters, digits, . _ : -, at most 100)' });
  if (url !== undefined && url.length > 500) problems.push({ field: 'url', reason: 'must be at most 500 characters' });
  if (problems.length > 0) throw ApiError.invalid(problems);
  return { ...(type ? { type } : {}), ...(url ? { url } : {}) };
}

/** One server-sent event: a name and a JSON body on one `data:` line. */
const message = (event: string, data: unknown, id?: string): string => `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * Live events and the event journey (issue 21): the tenant's events as they arrive, as server-sent
 * events, and one event's way through the vault, the export and the automations.
 */
@ApiTags('console')
@ApiCookieAuth(SESSION_COOKIE)
@ApiBearerAuth()
@ApiHeader({ name: 'X-Customer-ID', required: false, description: 'With a bearer token; an operator session may use it instead of customer_id' })
@ApiQuery({ name: 'customer_id', required: false, description: 'The customer an operator session reads' })
@Controller('console/api/events')
@UseGuards(ReadAccessGuard, CustomerRateLimitGuard)
@UseInterceptors(AuditInterceptor)
export class LiveEventsController {
  constructor(
    private readonly reader: LiveEventsReader,
    private readonly journeys: EventJourneyService,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'console'>,
  ) {}

  @Get('stream')
  @ApiOperation({
    summary: "The tenant's events as they arrive (text/event-stream)",
    description:
      'Server-sent events: `ready` once the gateway follows the topic (events acknowledged from then on arrive), then one `tracking_event` per event (id: the event id; data: the fields the read API shows), a comment line as heartbeat, and `close` when the gateway shuts down. `type` keeps one event type, `url` events whose page URL contains the text (case-insensitive). Events the connection cannot take at once are dropped (gateway_live_events_dropped_total), never buffered. 429 past CONSOLE_LIVE_STREAMS_PER_CUSTOMER streams of one customer or CONSOLE_LIVE_STREAMS_PER_INSTANCE on one gateway.',
  })
  @ApiQuery({ name: 'type', required: false, description: 'Only events of this type' })
  @ApiQuery({ name: 'url', required: false, description: 'Only events whose page URL contains this text' })
  @ApiProduces('text/event-stream')
  @ApiResponse({ status: 200, description: 'The stream' })
  @ApiResponse({ status: 429, description: 'RATE_LIMITED: too many live streams for this customer or this gateway' })
  async stream(
    @AuthenticatedCustomer() customer: CustomerConfig,
    @Query('type') type: string | undefined,
    @Query('url') url: string | undefined,
    @Req() request: GatewayRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const filters = liveFilters(type, url);
    const raw = reply.raw;
    let congested = false;
    let sent = 0;
    let ended = false;
    const subscriber: LiveSubscriber<TrackingEvent> = {
      customerId: customer.customerId,
      deliver: (event) => {
        if (ended || !matchesFilters(event, filters)) return true;
        // The socket's buffer is full: drop (and count) rather than hold events for a slow client.
        if (congested) return false;
        sent += 1;
        request.auditRows = sent;
        if (!raw.write(message('tracking_event', liveEventView(event), event.event_id))) {
          congested = true;
          raw.once('drain', () => (congested = false));
        }
        return true;
      },
      close: (reason) => {
        if (ended) return;
        raw.write(message('close', { reason }));
        raw.end();
      },
    };
    const refusal = await this.reader.open(subscriber);
    if (refusal) {
      throw new ApiError(
        429,
        'RATE_LIMITED',
        refusal.refused === 'customer'
          ? `Too many live streams: customer ${customer.customerId} has ${refusal.limit} open (CONSOLE_LIVE_STREAMS_PER_CUSTOMER); close one first`
          : `Too many live streams on this gateway (${refusal.limit}, CONSOLE_LIVE_STREAMS_PER_INSTANCE); try again later`,
      );
    }
    if (raw.destroyed) {
      // The client left while the reader was starting.
      ended = true;
      this.reader.close(subscriber);
      return;
    }
    // Audited when the stream ends, with the events it sent (AuditInterceptor).
    request.auditAtEnd = true;
    request.auditRows = 0;
    reply.hijack();
    raw.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Content-Type-Options': 'nosniff',
      // Proxies (nginx) pass each event on at once instead of buffering the answer.
      'X-Accel-Buffering': 'no',
    });
    raw.write(`retry: ${RETRY_MS}\n\n`);
    raw.write(message('ready', { customer_id: customer.customerId, filters }));
    const heartbeat = setInterval(() => {
      if (!congested) raw.write(': heartbeat\n\n');
    }, this.config.console.live.heartbeatMs);
    await new Promise<void>((resolve) => {
      raw.once('close', () => {
        ended = true;
        clearInterval(heartbeat);
        this.reader.close(subscriber);
        resolve();
      });
    });
  }

  @Get(':eventId/journey')
  @ApiOperation({
    summary: "One event's journey: its record, the vault rows its load wrote, the exported object that holds it, the triggers it fired and their deliveries",
    description:
      'Each part has a status: found, not_yet (its consumer has not reached the record), none (the consumer passed it and nothing came of it: no workflow matched, no export of this type) or unavailable (the service did not answer; reason says why). 404 for an event id the tenant has not (another tenant\'s included).',
  })
  @ApiResponse({ status: 404, description: 'NOT_FOUND: no such event for this customer' })
  @AuditRows(() => 1)
  journey(@AuthenticatedCustomer() customer: CustomerConfig, @Param('eventId') eventId: string): Promise<EventJourney> {
    return this.journeys.journey(customer, eventId);
  }
}
