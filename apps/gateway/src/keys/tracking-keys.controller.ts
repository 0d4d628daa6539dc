import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type, type Static } from '@sinclair/typebox';
import { CUSTOMER_ID_PATTERN } from '@tracking/customers';
import { REASON_KEYWORD } from '@tracking/ingestion';
import { AuditInterceptor } from '../audit/audit.interceptor';
import { ADMIN_AUTH, AdminTokenGuard, ApiError, RequestBody } from '@tracking/http';
import { JsonBodyGuard } from '../http/json-body.guard';
import { KeyDescriptionSchema, KeyScopesSchema } from './tracking-key.schemas';
import { API_DOCS } from '../openapi/api-docs';
import {
  DEFAULT_ROTATION_OVERLAP_SECONDS,
  MAX_ROTATION_OVERLAP_SECONDS,
  TrackingKeysService,
  type IssuedKey,
  type KeyView,
} from './tracking-keys.service';

export const CreateKeySchema = Type.Object(
  {
    customer_id: Type.String({ pattern: CUSTOMER_ID_PATTERN.source, description: 'The customer the key is for', [REASON_KEYWORD]: 'must be a customer id' }),
    description: Type.Optional(KeyDescriptionSchema),
    scopes: Type.Optional(KeyScopesSchema),
  },
  { additionalProperties: false },
);

export const RotateKeySchema = Type.Object(
  {
    overlap_seconds: Type.Optional(
      Type.Unsafe<number | null>({
        type: 'integer',
        nullable: true,
        minimum: 0,
        maximum: MAX_ROTATION_OVERLAP_SECONDS,
        default: DEFAULT_ROTATION_OVERLAP_SECONDS,
        description: 'How long the old key stays valid; null or absent: one day',
        [REASON_KEYWORD]: `must be an integer from 0 to ${MAX_ROTATION_OVERLAP_SECONDS}`,
      }),
    ),
  },
  { additionalProperties: false },
);

function customerIdOf(value: unknown, field: string): string {
  if (typeof value !== 'string' || !CUSTOMER_ID_PATTERN.test(value)) throw ApiError.invalid([{ field, reason: 'must be a customer id' }]);
  return value;
}

/**
 * A key id as the path gives it. One no key can have (NUL, which PostgreSQL text cannot hold, or
 * other control characters) is simply not found, instead of failing the query as a fault of ours.
 */
export function keyIdOf(value: string): string {
  if (!/^[\x21-\x7e]{1,128}$/.test(value)) throw new ApiError(404, 'INVALID_REQUEST', `No tracking key ${JSON.stringify(value.slice(0, 128))}`);
  return value;
}

/** Seed 002's `/api/v1/tracking/keys/`: create, list, rotate and revoke a customer's keys, for admins only. */
@ApiTags('keys')
@ApiBearerAuth(ADMIN_AUTH)
@Controller('api/v1/tracking/keys')
@UseGuards(AdminTokenGuard)
@UseInterceptors(AuditInterceptor)
export class TrackingKeysController {
  constructor(private readonly keys: TrackingKeysService) {}

  @Post()
  @HttpCode(201)
  @RequestBody(CreateKeySchema)
  @UseGuards(JsonBodyGuard)
  @ApiOperation(API_DOCS.keys.create)
  @ApiResponse(API_DOCS.keys.issued)
  create(@Body() body: Static<typeof CreateKeySchema>): Promise<IssuedKey> {
    return this.keys.create(body.customer_id, body.description ?? null, body.scopes);
  }

  @Get()
  @ApiOperation(API_DOCS.keys.list)
  @ApiQuery({ name: 'customer_id', required: true })
  async list(@Query('customer_id') customerId: unknown): Promise<{ keys: KeyView[] }> {
    return { keys: await this.keys.list(customerIdOf(customerId, 'customer_id')) };
  }

  @Post(':keyId/rotate')
  @HttpCode(201)
  @RequestBody(RotateKeySchema, { optional: true })
  @ApiOperation(API_DOCS.keys.rotate)
  rotate(@Param('keyId') keyId: string, @Body() body: Static<typeof RotateKeySchema> | undefined | null): Promise<{ key: IssuedKey; previous: KeyView }> {
    return this.keys.rotate(keyIdOf(keyId), body?.overlap_seconds ?? DEFAULT_ROTATION_OVERLAP_SECONDS);
  }

  @Delete(':keyId')
  @ApiOperation(API_DOCS.keys.revoke)
  revoke(@Param('keyId') keyId: string): Promise<KeyView> {
    return this.keys.revoke(keyIdOf(keyId));
  }
}
