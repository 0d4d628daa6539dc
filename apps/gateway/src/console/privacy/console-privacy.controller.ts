import { Body, Controller, Get, HttpCode, Post, Req, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type, type Static } from '@sinclair/typebox';
import type { CustomerConfig } from '@tracking/customers';
import { ApiError, AuditRows, RequestBody, listedRows } from '@tracking/http';
import { REASON_KEYWORD } from '@tracking/ingestion';
import { AuditInterceptor } from '../../audit/audit.interceptor';
import { AuthenticatedCustomer } from '../../auth/authenticated-customer';
import type { GatewayRequest } from '../../http/gateway-request';
import { JsonBodyGuard } from '../../http/json-body.guard';
import { CustomerRateLimitGuard } from '../../rate-limit/rate-limit.guards';
import { AdminAccessGuard, ReadAccessGuard } from '../console-access.guards';
import { SESSION_COOKIE } from '../console-cookies';
import { ConsolePrivacyService } from './console-privacy.service';

const ID = /^[\x21-\x7e]{1,255}$/;
const personId = (description: string) =>
  Type.Optional(Type.String({ pattern: ID.source, description, [REASON_KEYWORD]: 'must be an id of 1-255 printable characters' }));

/** A tenant's erasure request: whom (visitor id, user id or both) and the caller's confirmation; the customer is the caller's own. */
export const ConsoleErasureSchema = Type.Object(
  {
    visitor_id: personId('The visitor id the events carried'),
    user_id: personId('The user id the events carried'),
    confirm: Type.Literal(true, { description: 'Must be true: an erasure cannot be undone', [REASON_KEYWORD]: 'must be true: an erasure cannot be undone' }),
  },
  { additionalProperties: false },
);

const TENANT = 'A customer session or token works on its own tenant (X-Customer-ID with a bearer token); an operator session names the customer with customer_id.';

/**
 * The tenant's erasure requests for the console's Privacy page (issue 21), through the vault
 * loader's privacy API: the list with each place's progress (read scope) and a new request (admin
 * scope). The loader is asked about the authenticated customer only.
 */
@ApiTags('console')
@ApiCookieAuth(SESSION_COOKIE)
@ApiBearerAuth()
@ApiHeader({ name: 'X-Customer-ID', required: false, description: 'With a bearer token; an operator session may use it instead of customer_id' })
@ApiQuery({ name: 'customer_id', required: false, description: 'The customer an operator session works on' })
@Controller('console/api/privacy')
@UseInterceptors(AuditInterceptor)
export class ConsolePrivacyController {
  constructor(private readonly privacy: ConsolePrivacyService) {}

  @Get('erasures')
  @UseGuards(ReadAccessGuard, CustomerRateLimitGuard)
  @ApiOperation({
    summary: "The tenant's erasure requests, oldest first, each with its state per place (vault, exporter, automation-trigger: pending, done or failed; found, removed, when)",
    description: `${TENANT} Subjects are counted, never named. 503 when the gateway cannot reach the vault loader (VAULT_LOADER_URL).`,
  })
  @ApiResponse({ status: 200, description: '{customer_id, requests: [{request_id, requested_at, requested_by, subjects, places}]}' })
  @AuditRows(listedRows)
  list(@AuthenticatedCustomer() customer: CustomerConfig): Promise<object> {
    return this.privacy.list(customer.customerId);
  }

  @Post('erasures')
  @HttpCode(200)
  @RequestBody(ConsoleErasureSchema, { subject: 'erasure request' })
  @UseGuards(AdminAccessGuard, CustomerRateLimitGuard, JsonBodyGuard)
  @ApiOperation({
    summary: 'Erase a person of the tenant everywhere, by visitor id, user id or both (confirm: true): applied to the vault now, then by every other place',
    description: `${TENANT} Needs the admin scope; a console session sends X-CSRF-Token. The answer names the request; its progress is in GET /console/api/privacy/erasures.`,
  })
  @ApiResponse({ status: 200, description: "{request_id, customer_id, erased_visitors, erased_users, rows_anonymised}: what the vault erased" })
  @ApiResponse({ status: 400, description: 'INVALID_REQUEST: details name the field' })
  @ApiResponse({ status: 403, description: 'FORBIDDEN: no admin scope, another tenant named, or no CSRF token with a session' })
  request(@AuthenticatedCustomer() customer: CustomerConfig, @Body() body: Static<typeof ConsoleErasureSchema>, @Req() request: GatewayRequest): Promise<object> {
    if (body.visitor_id === undefined && body.user_id === undefined) {
      throw ApiError.invalid([{ field: 'visitor_id', reason: 'or user_id is required: name the person by visitor_id, user_id or both' }], 'erasure request');
    }
    const subject = { ...(body.visitor_id === undefined ? {} : { visitor_id: body.visitor_id }), ...(body.user_id === undefined ? {} : { user_id: body.user_id }) };
    return this.privacy.request(customer.customerId, subject, { actor: request.auditActor ?? 'customer', keyId: request.keyId ?? null });
  }
}
