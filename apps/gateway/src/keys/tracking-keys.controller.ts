import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CUSTOMER_ID_PATTERN } from '@tracking/customers';
import { AuditInterceptor } from '../audit/audit.interceptor';
import { AdminTokenGuard, ApiError } from '@tracking/http';
import { JsonBodyGuard } from '../http/json-body.guard';
import { API_DOCS } from '../openapi/api-docs';
import {
  DEFAULT_ROTATION_OVERLAP_SECONDS,
  MAX_ROTATION_OVERLAP_SECONDS,
  TrackingKeysService,
  type IssuedKey,
  type KeyView,
} from './tracking-keys.service';

function object(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw ApiError.invalid([{ field: '(body)', reason: 'must be a JSON object' }]);
  return body as Record<string, unknown>;
}

function customerIdOf(value: unknown, field: string): string {
  if (typeof value !== 'string' || !CUSTOMER_ID_PATTERN.test(value)) throw ApiError.invalid([{ field, reason: 'must be a customer id' }]);
  return value;
}

/**
 * A key id as the path gives it. One no key can have (NUL, which PostgreSQL text cannot hold, or
 * other control characters) is simply not found, instead of failing the query as a fault of ours.
 */
function keyIdOf(value: string): string {
  if (!/^[\x21-\x7e]{1,128}$/.test(value)) throw new ApiError(404, 'INVALID_REQUEST', `No tracking key ${JSON.stringify(value.slice(0, 128))}`);
  return value;
}

/** Seed 002's `/api/v1/tracking/keys/`: create, list, rotate and revoke a customer's keys, for admins only. */
@ApiTags('keys')
@ApiBearerAuth()
@Controller('api/v1/tracking/keys')
@UseGuards(AdminTokenGuard)
@UseInterceptors(AuditInterceptor)
export class TrackingKeysController {
  constructor(private readonly keys: TrackingKeysService) {}

  @Post()
  @HttpCode(201)
  @UseGuards(JsonBodyGuard)
  @ApiOperation(API_DOCS.keys.create)
  @ApiBody(API_DOCS.keys.createBody)
  @ApiResponse(API_DOCS.keys.issued)
  create(@Body() body: unknown): Promise<IssuedKey> {
    const fields = object(body);
    const description = fields['description'];
    if (description !== undefined && (typeof description !== 'string' || description.length > 200)) {
      throw ApiError.invalid([{ field: 'description', reason: 'must be a string of at most 200 characters' }]);
    }
    return this.keys.create(customerIdOf(fields['customer_id'], 'customer_id'), (description as string | undefined) ?? null);
  }

  @Get()
  @ApiOperation(API_DOCS.keys.list)
  async list(@Query('customer_id') customerId: unknown): Promise<{ keys: KeyView[] }> {
    return { keys: await this.keys.list(customerIdOf(customerId, 'customer_id')) };
  }

  @Post(':keyId/rotate')
  @HttpCode(201)
  @ApiOperation(API_DOCS.keys.rotate)
  rotate(@Param('keyId') keyId: string, @Body() body: unknown): Promise<{ key: IssuedKey; previous: KeyView }> {
    const overlap = object(body)['overlap_seconds'] ?? DEFAULT_ROTATION_OVERLAP_SECONDS;
    if (typeof overlap !== 'number' || !Number.isInteger(overlap) || overlap < 0 || overlap > MAX_ROTATION_OVERLAP_SECONDS) {
      throw ApiError.invalid([{ field: 'overlap_seconds', reason: `must be an integer from 0 to ${MAX_ROTATION_OVERLAP_SECONDS}` }]);
    }
    return this.keys.rotate(keyIdOf(keyId), overlap);
  }

  @Delete(':keyId')
  @ApiOperation(API_DOCS.keys.revoke)
  revoke(@Param('keyId') keyId: string): Promise<KeyView> {
    return this.keys.revoke(keyIdOf(keyId));
  }
}
