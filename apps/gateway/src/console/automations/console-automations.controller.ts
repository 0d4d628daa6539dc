import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Req, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type, type Static } from '@sinclair/typebox';
import type { CustomerConfig } from '@tracking/customers';
import { AuditRows, RequestBody, listedRows } from '@tracking/http';
import { REASON_KEYWORD } from '@tracking/ingestion';
import { AuditInterceptor } from '../../audit/audit.interceptor';
import { AuthenticatedCustomer } from '../../auth/authenticated-customer';
import type { GatewayRequest } from '../../http/gateway-request';
import { JsonBodyGuard } from '../../http/json-body.guard';
import { CustomerRateLimitGuard } from '../../rate-limit/rate-limit.guards';
import { AdminAccessGuard, ReadAccessGuard } from '../console-access.guards';
import { SESSION_COOKIE } from '../console-cookies';
import { ConsoleAutomationsService, type Delivery, type WorkflowsCheck } from './console-automations.service';

/**
 * A workflows document (automations.yaml as JSON). Its fields are checked by the automation trigger,
 * which owns them (the same schema and reader as its PUT), so here only its outer shape is.
 */
export const WorkflowsDocumentSchema = Type.Object(
  { workflows: Type.Optional(Type.Array(Type.Unknown(), { description: 'id, trigger, enabled, filters (url_path, event_name, properties), webhook (url, secret_env)' })) },
  { description: 'The same document as automations.yaml, as JSON', [REASON_KEYWORD]: { type: 'must be an object' } },
);

export const WorkflowTrialSchema = Type.Object(
  {
    event: Type.Unknown({ description: 'A sample event, as POST /api/v1/track takes it (event_type, event_name, page_url, properties, consent_state, ...)' }),
    workflow_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Only this workflow; every one when absent' })),
    document: Type.Optional(WorkflowsDocumentSchema),
  },
  { description: 'A sample event, and the workflows to try it on: the saved ones, or `document` (not saved)', [REASON_KEYWORD]: { type: 'must be an object', required: 'is required' } },
);

const customerQuery = { name: 'customer_id', required: false, description: 'The customer an operator session works on' } as const;
const customerHeader = { name: 'X-Customer-ID', required: false, description: 'With a bearer token' } as const;

/** Who a change through the console is recorded as made by, on the shared customer configuration. */
function appliedBy(request: GatewayRequest, customer: CustomerConfig): string {
  if (request.consoleSession?.role === 'operator') return `console operator for ${customer.customerId}`;
  return `${customer.customerId} ${request.keyId ? `token ${request.keyId}` : 'console'}`.slice(0, 100);
}

/**
 * Self-service automations (issue 21, page 5): a customer's workflows, deliveries and redelivery,
 * and trying a sample event on its workflows. Each route acts on the authenticated customer only
 * (a customer session or token; an operator session names the customer), through the automation
 * trigger's admin API. Reads need the read scope; saving and redelivering need admin.
 */
@ApiTags('console')
@ApiCookieAuth(SESSION_COOKIE)
@ApiBearerAuth()
@Controller('console/api/automations')
@UseInterceptors(AuditInterceptor)
export class ConsoleAutomationsController {
  constructor(private readonly automations: ConsoleAutomationsService) {}

  @Get('workflows')
  @UseGuards(ReadAccessGuard, CustomerRateLimitGuard)
  @ApiOperation({ summary: "The tenant's workflows document, as last saved" })
  @ApiQuery(customerQuery)
  @ApiHeader(customerHeader)
  @AuditRows((body: { document?: { workflows?: unknown } }) => (Array.isArray(body.document?.workflows) ? body.document.workflows.length : null))
  workflows(@AuthenticatedCustomer() customer: CustomerConfig): Promise<object> {
    return this.automations.workflows(customer);
  }

  @Post('workflows/validate')
  @HttpCode(200)
  @RequestBody(WorkflowsDocumentSchema, { subject: 'automations' })
  @UseGuards(JsonBodyGuard)
  @UseGuards(ReadAccessGuard, CustomerRateLimitGuard)
  @ApiOperation({
    summary: 'Check a workflows document as saving would, saving nothing (read scope)',
    description: 'valid, or errors: every field saving would refuse, with paths such as workflows[0].filters.url_contains and the reason. The automation trigger runs its own check.',
  })
  @ApiQuery(customerQuery)
  @ApiHeader(customerHeader)
  @AuditRows((body: WorkflowsCheck) => body.errors.length)
  validate(@AuthenticatedCustomer() customer: CustomerConfig, @Body() document: Static<typeof WorkflowsDocumentSchema>): Promise<WorkflowsCheck> {
    return this.automations.validate(customer, document);
  }

  @Put('workflows')
  @RequestBody(WorkflowsDocumentSchema, { subject: 'automations' })
  @UseGuards(JsonBodyGuard)
  @UseGuards(AdminAccessGuard, CustomerRateLimitGuard)
  @ApiOperation({
    summary: "Replace the tenant's workflows (admin scope): checked field by field first, nothing saved unless all are valid",
    description: 'Every instance of the automation trigger applies it; recorded with who made it.',
  })
  @ApiResponse({ status: 400, description: 'INVALID_REQUEST: details name every bad field, as validate does; nothing saved' })
  @ApiQuery(customerQuery)
  @ApiHeader(customerHeader)
  @AuditRows((body: { workflows?: unknown[] }) => body.workflows?.length ?? null)
  save(@AuthenticatedCustomer() customer: CustomerConfig, @Req() request: GatewayRequest, @Body() document: Static<typeof WorkflowsDocumentSchema>): Promise<object> {
    return this.automations.save(customer, document, appliedBy(request, customer));
  }

  @Get('deliveries')
  @UseGuards(ReadAccessGuard, CustomerRateLimitGuard)
  @ApiOperation({ summary: "The tenant's fired triggers, newest first, each with its delivery state and every attempt (status, response code, duration, error) and its next retry" })
  @ApiQuery({ name: 'limit', required: false, description: 'From 1 to 1000; default 25' })
  @ApiQuery({ name: 'state', required: false, enum: ['none', 'pending', 'delivered', 'dead', 'cancelled'] })
  @ApiQuery({ name: 'before', required: false, description: "The previous page's next_before" })
  @ApiQuery(customerQuery)
  @ApiHeader(customerHeader)
  @AuditRows(listedRows)
  deliveries(
    @AuthenticatedCustomer() customer: CustomerConfig,
    @Query('limit') limit?: string,
    @Query('state') state?: string,
    @Query('before') before?: string,
  ): Promise<{ deliveries: Delivery[]; next_before: string | null }> {
    return this.automations.deliveries(customer, { limit, state, before });
  }

  @Post('deliveries/:triggerId/redeliver')
  @HttpCode(202)
  @UseGuards(AdminAccessGuard, CustomerRateLimitGuard)
  @ApiOperation({ summary: "Deliver one of the tenant's triggers again now (admin scope); 404 for a trigger it does not have, 409 while an attempt is in flight" })
  @ApiQuery(customerQuery)
  @ApiHeader(customerHeader)
  redeliver(@AuthenticatedCustomer() customer: CustomerConfig, @Param('triggerId') triggerId: string): Promise<object> {
    return this.automations.redeliver(customer, triggerId);
  }

  @Post('try')
  @HttpCode(200)
  @RequestBody(WorkflowTrialSchema, { subject: 'trial' })
  @UseGuards(JsonBodyGuard)
  @UseGuards(ReadAccessGuard, CustomerRateLimitGuard)
  @ApiOperation({
    summary: "Try a sample event on the tenant's workflows (saved, or a document not saved): whether each fires and, if not, the first filter that stopped it. Fires nothing",
    description:
      "The sample goes through the gateway's ingestion pipeline (validation, consent, privacy rules, enrichment) without being published, then through the automation trigger's production matcher.",
  })
  @ApiResponse({ status: 400, description: 'INVALID_REQUEST: a bad sample (event.<field>) or document (document.workflows[i]....)' })
  @ApiQuery(customerQuery)
  @ApiHeader(customerHeader)
  @AuditRows((body: { results?: unknown[] }) => body.results?.length ?? null)
  trial(@AuthenticatedCustomer() customer: CustomerConfig, @Body() body: Static<typeof WorkflowTrialSchema>): Promise<object> {
    return this.automations.trial(customer, body);
  }
}
