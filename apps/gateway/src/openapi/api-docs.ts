import type { ApiOperationOptions, ApiResponseOptions } from '@nestjs/swagger';
import { SEED_000_BULK, SEED_000_EVENTS } from './seed-examples';

const trackingResult = {
  type: 'object',
  properties: {
    allowed: { type: 'boolean' },
    security_score: { type: 'number' },
    suspicious: { type: 'boolean' },
    rate_limit_remaining: { type: 'integer', nullable: true },
    reason: { type: 'string' },
  },
};

const errorResponse = (status: number, code: string, message: string): ApiResponseOptions => ({
  status,
  description: code,
  schema: {
    type: 'object',
    properties: {
      success: { type: 'boolean', example: false },
      error_code: { type: 'string', example: code },
      error: { type: 'string', example: message },
      details: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, reason: { type: 'string' } } } },
      customer_id: { type: 'string', nullable: true },
      timestamp: { type: 'string', format: 'date-time' },
      audit_logged: { type: 'boolean' },
    },
  },
});

const examples = Object.fromEntries(Object.entries(SEED_000_EVENTS).map(([name, value]) => [name, { summary: name, value }]));

/**
 * The OpenAPI description of every route but its request body, whose schema is the one the
 * validator is compiled from (libs/ingestion's TypeBox schemas, `DocumentedBody`/`RequestBody`); served at /docs.
 */
export const API_DOCS = {
  track: {
    operation: {
      summary: 'Track one event',
      description: 'Answers 200 only after Kafka acknowledged the event (acks=all). Invalid events are answered 400 and recorded on tracking.events.rejected.v1.',
    } satisfies ApiOperationOptions,
    examples,
    ok: {
      status: 200,
      description: 'Tracked',
      schema: {
        type: 'object',
        properties: {
          success: { type: 'boolean' },
          message: { type: 'string' },
          event_id: { type: 'string' },
          customer_id: { type: 'string' },
          tenant_hk: { type: 'string' },
          timestamp: { type: 'string', format: 'date-time' },
          tracking_result: trackingResult,
          audit_logged: { type: 'boolean' },
        },
        example: {
          success: true,
          message: 'Event tracked successfully with customer configuration',
          event_id: '7113cf25b40905d0adee776765aabd511f87bc6c94766b83e81e8063d00f483f',
          customer_id: 'one_spa',
          tenant_hk: '6a885e561ce20f79ab33abfa682dfe39cf0c9529bb10099e388dc1658ed70151',
          timestamp: '2024-12-28T10:30:00Z',
          tracking_result: { allowed: true, security_score: 100, suspicious: false, rate_limit_remaining: 4850 },
          audit_logged: true,
        },
      },
    } satisfies ApiResponseOptions,
  },
  bulk: {
    operation: {
      summary: 'Track many events in one request',
      description: 'Valid events are published in one acknowledged write; each invalid one is reported (index, field, reason) and recorded on tracking.events.rejected.v1.',
    } satisfies ApiOperationOptions,
    examples: { seed: { summary: 'seed 000 bulk example', value: SEED_000_BULK } },
    ok: {
      status: 200,
      description: 'Processed; see events_failed and errors for events that were not',
      schema: {
        type: 'object',
        example: {
          success: true,
          message: 'Bulk events processed',
          customer_id: 'retail_chain',
          batch_id: 'batch_holiday_campaign_001',
          events_processed: 150,
          events_failed: 2,
          events_dropped: 0,
          timestamp: '2024-12-28T10:30:00Z',
          processing_summary: { total_events: 152, successful_events: 150, failed_events: 2, dropped_events: 0, average_processing_time_ms: 0.4 },
          accepted: [{ index: 0, event_id: '9b2f0c4e7a1d3b5f8e6c2a4d1f3b5e7c9a0d2f4b6e8c1a3d5f7b9e2c4a6d8f0b' }],
          errors: [{ index: 7, field: 'events[7].event_type', reason: 'is required' }],
          dropped: [],
          audit_logged: true,
        },
      },
    } satisfies ApiResponseOptions,
  },
  async: {
    operation: {
      summary: 'Track one event without waiting for Kafka',
      description: 'Answers 202 once the event is valid and handed to the producer. Faster, but an event lost to a broker failure after the answer is not retried by anyone: use /api/v1/track when that matters.',
    } satisfies ApiOperationOptions,
    accepted: { status: 202, description: 'Accepted for asynchronous publication' } satisfies ApiResponseOptions,
  },
  collect: {
    operation: {
      summary: 'Browser collection with a publishable key',
      description: 'Single or batched events from the browser SDK; JSON or text/plain (navigator.sendBeacon). The Origin must be one the customer allows.',
    } satisfies ApiOperationOptions,
    preflight: { summary: 'CORS preflight for the browser collector' } satisfies ApiOperationOptions,
  },
  health: {
    operation: { summary: "A customer's view of the service (seed 000), 10 requests per minute" } satisfies ApiOperationOptions,
    ok: { status: 200, description: 'healthy; 503 with status degraded when Kafka or the registry is away' } satisfies ApiResponseOptions,
  },
  config: {
    operation: { summary: "The authenticated customer's tracking configuration (seed 000), 100 requests per minute" } satisfies ApiOperationOptions,
    ok: { status: 200, description: 'Configuration' } satisfies ApiResponseOptions,
  },
  keys: {
    create: { summary: 'Create a tracking key (admin token); the secret is shown once' } satisfies ApiOperationOptions,
    issued: { status: 201, description: 'The key, its publishable id and (once) its secret' } satisfies ApiResponseOptions,
    list: { summary: "List a customer's keys, never their secrets" } satisfies ApiOperationOptions,
    rotate: { summary: 'Issue a replacement; the old key stays valid for overlap_seconds (default one day)' } satisfies ApiOperationOptions,
    revoke: { summary: 'Revoke a key at once' } satisfies ApiOperationOptions,
  },
  errors: {
    invalid: errorResponse(400, 'INVALID_REQUEST', 'Invalid request: event_type is required'),
    unauthorized: errorResponse(401, 'UNAUTHORIZED', 'Missing or invalid Authorization header'),
    forbidden: errorResponse(403, 'FORBIDDEN', 'This token is not valid for customer "one_spa"'),
    notFound: errorResponse(404, 'CUSTOMER_NOT_FOUND', 'Customer configuration not found for "acme"'),
    tooLarge: errorResponse(413, 'PAYLOAD_TOO_LARGE', 'A bulk request holds at most 500 events'),
    rateLimited: errorResponse(429, 'RATE_LIMITED', 'Rate limit exceeded for IP'),
    unavailable: errorResponse(503, 'SERVICE_UNAVAILABLE', 'Event could not be stored: Kafka did not acknowledge it. Retry later.'),
  },
};
