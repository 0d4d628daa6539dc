import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type, type Static } from '@sinclair/typebox';
import type { CustomerConfig } from '@tracking/customers';
import { AuditRows, RequestBody, listedRows } from '@tracking/http';
import { AuditInterceptor } from '../../audit/audit.interceptor';
import { AuthenticatedCustomer } from '../../auth/authenticated-customer';
import { JsonBodyGuard } from '../../http/json-body.guard';
import { KeyDescriptionSchema, KeyScopesSchema } from '../../keys/tracking-key.schemas';
import { RotateKeySchema, keyIdOf } from '../../keys/tracking-keys.controller';
import { DEFAULT_ROTATION_OVERLAP_SECONDS, TrackingKeysService, type IssuedKey, type KeyView } from '../../keys/tracking-keys.service';
import { API_DOCS } from '../../openapi/api-docs';
import { CustomerRateLimitGuard } from '../../rate-limit/rate-limit.guards';
import { TrackingScriptStore } from '../../tracking-script/tracking-script.store';
import { AdminAccessGuard, ReadAccessGuard } from '../console-access.guards';
import { SESSION_COOKIE } from '../console-cookies';
import { browserSetup, type BrowserSetup } from './browser-setup';

export const ConsoleCreateKeySchema = Type.Object(
  {
    description: Type.Optional(KeyDescriptionSchema),
    scopes: Type.Optional(KeyScopesSchema),
  },
  { additionalProperties: false },
);

export interface ConsoleKeyList {
  customer_id: string;
  /** Every key of the tenant, newest last; never a secret. */
  keys: KeyView[];
  browser: BrowserSetup;
  timestamp: string;
}

const TENANT = 'A customer session or a bearer token with X-Customer-ID acts on its own tenant; an operator session names the customer with customer_id.';

/**
 * A customer's own tracking keys (issue 21), the console's Keys page and any script: list with the
 * `read` scope; create, rotate and revoke with `admin`. The tenant is always the authenticated one:
 * a key id of another customer is "not found" and nothing changes. The operators' keys API
 * (/api/v1/tracking/keys) does the same work for any customer; both go through TrackingKeysService.
 */
@ApiTags('console')
@ApiCookieAuth(SESSION_COOKIE)
@ApiBearerAuth()
@ApiHeader({ name: 'X-Customer-ID', required: false, description: 'With a bearer token; an operator session may use it instead of customer_id' })
@ApiQuery({ name: 'customer_id', required: false, description: 'The customer an operator session works on' })
@Controller('console/api/keys')
@UseInterceptors(AuditInterceptor)
export class ConsoleKeysController {
  constructor(
    private readonly keys: TrackingKeysService,
    private readonly script: TrackingScriptStore,
  ) {}

  @Get()
  @UseGuards(ReadAccessGuard, CustomerRateLimitGuard)
  @ApiOperation({
    summary: "The tenant's tracking keys (never their secrets) and what the site snippet needs",
    description: `Needs the read scope. ${TENANT} Each key: id, publishable key, description, scopes, created, rotated (rotated_at, rotated_from), expires (the overlap after a rotation), revoked, last used, status.`,
  })
  @ApiResponse(API_DOCS.errors.forbidden)
  @AuditRows(listedRows)
  async list(@AuthenticatedCustomer() customer: CustomerConfig): Promise<ConsoleKeyList> {
    return {
      customer_id: customer.customerId,
      keys: await this.keys.list(customer.customerId),
      browser: browserSetup(customer, this.script.current()),
      timestamp: new Date().toISOString(),
    };
  }

  @Post()
  @HttpCode(201)
  @RequestBody(ConsoleCreateKeySchema)
  @UseGuards(AdminAccessGuard, CustomerRateLimitGuard, JsonBodyGuard)
  @ApiOperation({
    summary: 'Create a tracking key for the tenant; its secret is in this answer only',
    description: `Needs the admin scope (403 "… has no admin scope" otherwise). ${TENANT} scopes: any of ingest, read, admin; default [ingest, read]. The secret is stored only as SHA-256.`,
  })
  @ApiResponse(API_DOCS.keys.issued)
  @ApiResponse(API_DOCS.errors.forbidden)
  create(@AuthenticatedCustomer() customer: CustomerConfig, @Body() body: Static<typeof ConsoleCreateKeySchema>): Promise<IssuedKey> {
    return this.keys.create(customer.customerId, body.description ?? null, body.scopes);
  }

  @Post(':keyId/rotate')
  @HttpCode(201)
  @RequestBody(RotateKeySchema, { optional: true })
  @UseGuards(AdminAccessGuard, CustomerRateLimitGuard)
  @ApiOperation({
    summary: "Replace one of the tenant's keys; both stay valid for overlap_seconds (default one day); the new secret is in this answer only",
    description: `Needs the admin scope. ${TENANT} The replacement keeps the key's description and scopes. A key of another customer is 404.`,
  })
  @ApiResponse(API_DOCS.keys.issued)
  rotate(
    @AuthenticatedCustomer() customer: CustomerConfig,
    @Param('keyId') keyId: string,
    @Body() body: Static<typeof RotateKeySchema> | undefined | null,
  ): Promise<{ key: IssuedKey; previous: KeyView }> {
    return this.keys.rotate(keyIdOf(keyId), body?.overlap_seconds ?? DEFAULT_ROTATION_OVERLAP_SECONDS, customer.customerId);
  }

  @Delete(':keyId')
  @UseGuards(AdminAccessGuard, CustomerRateLimitGuard)
  @ApiOperation({
    summary: "Revoke one of the tenant's keys at once",
    description: `Needs the admin scope. ${TENANT} A key of another customer is 404 and stays as it is.`,
  })
  revoke(@AuthenticatedCustomer() customer: CustomerConfig, @Param('keyId') keyId: string): Promise<KeyView> {
    return this.keys.revoke(keyIdOf(keyId), customer.customerId);
  }
}
