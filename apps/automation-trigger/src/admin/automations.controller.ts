import { Body, Controller, Get, Headers, HttpCode, Ip, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AutomationsFileError, CUSTOMER_ID_PATTERN } from '@tracking/customers';
import { ADMIN_AUTH, AdminTokenGuard, ApiError, AuditRows, RequestBody } from '@tracking/http';
import { AutomationsDocumentSchema } from '../workflows/automations-document.schema';
import { WebhookDispatcher } from '../delivery/webhook.dispatcher';
import { DELIVERY_STATES, TriggerRepository, type DeliveryState } from '../triggers/trigger.repository';
import { WorkflowCatalog, WorkflowsReadOnlyError } from '../workflows/workflow-catalog';
import { UnknownWorkflowError, WorkflowTrial, WorkflowTrialSchema, type TrialOutcome, type WorkflowTrialRequest } from '../workflows/workflow-trial';

/** A reader problem, `<file>: workflows[0].webhook.url must be an http(s) URL`, as a field and a reason. */
function fieldError(problem: string): { field: string; reason: string } {
  const text = problem.slice(problem.indexOf(': ') + 2);
  const space = text.indexOf(' ');
  return space < 0 ? { field: 'automations', reason: text } : { field: text.slice(0, space), reason: text.slice(space + 1) };
}

/**
 * Operators' API (TRACKING_ADMIN_TOKEN) over a customer's automations: read and replace its
 * workflows (the same document as automations.yaml, checked field by field before anything is
 * written; or only checked, by validate), list its triggers with their delivery attempts, redeliver
 * one by hand, and try a sample event on its workflows with the production matcher. Every call is
 * audited (ReadAuditInterceptor) with the number of workflows or deliveries it returned.
 */
@ApiTags('automations')
@ApiBearerAuth(ADMIN_AUTH)
@Controller('api/v1/automations/:customerId')
@UseGuards(AdminTokenGuard)
export class AutomationsController {
  constructor(
    private readonly catalog: WorkflowCatalog,
    private readonly triggers: TriggerRepository,
    private readonly dispatcher: WebhookDispatcher,
    private readonly trial: WorkflowTrial,
  ) {}

  @Get('workflows')
  @AuditRows((document: { workflows?: unknown }) => (Array.isArray(document.workflows) ? document.workflows.length : null))
  @ApiOperation({ summary: "The customer's workflows document, as last saved (automations.yaml or PUT)" })
  async workflows(@Param('customerId') customerId: string): Promise<unknown> {
    await this.checkCustomer(customerId);
    return this.catalog.document(customerId);
  }

  @Put('workflows')
  @AuditRows((result: { workflows: unknown[] }) => result.workflows.length)
  @RequestBody(AutomationsDocumentSchema, { subject: 'automations' })
  @ApiOperation({
    summary:
      "Replace the customer's workflows: checked field by field first, nothing written unless all are valid; application/json only. The change goes to the shared customer configuration (every instance applies it) with who made it (X-Applied-By, else `admin-token`), when, and from which address; answered once this instance applies it",
  })
  @ApiResponse({ status: 400, description: 'INVALID_REQUEST: details name every bad field (workflows[i]....)' })
  @ApiResponse({ status: 409, description: 'CONFLICT: this instance reads its customers from CUSTOMERS_DIR, which the API does not write' })
  @ApiResponse({ status: 415, description: 'UNSUPPORTED_MEDIA_TYPE: not application/json' })
  async replaceWorkflows(
    @Headers('content-type') contentType: string | undefined,
    @Param('customerId') customerId: string,
    @Body() body: unknown,
    @Headers('x-applied-by') appliedBy?: string,
    @Ip() address?: string,
  ): Promise<unknown> {
    await this.checkCustomer(customerId);
    // A form-encoded body (curl -d without a Content-Type) parses to an object without "workflows",
    // which reads as "no workflows" and would wipe the customer's automations.
    if ((contentType ?? '').split(';')[0]?.trim().toLowerCase() !== 'application/json') {
      throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the workflows document as application/json');
    }
    // Who, for the record every instance applies: a name the operator gives, else the credential used.
    const by = appliedBy !== undefined && /^[\x20-\x7e]{1,100}$/.test(appliedBy) ? `${appliedBy} (admin token)` : 'admin-token';
    try {
      const workflows = await this.catalog.replace(customerId, body, { by, via: `PUT /api/v1/automations/${customerId}/workflows from ${address ?? 'unknown'}` });
      return { success: true, workflows: workflows.map((workflow) => workflow.workflowId) };
    } catch (error) {
      if (error instanceof WorkflowsReadOnlyError) throw new ApiError(409, 'CONFLICT', error.message);
      if (!(error instanceof AutomationsFileError)) throw error;
      throw ApiError.invalid(error.problems.map(fieldError), 'automations');
    }
  }

  @Post('workflows/validate')
  @HttpCode(200)
  @RequestBody(AutomationsDocumentSchema, { subject: 'automations' })
  @ApiOperation({
    summary:
      'Check a workflows document exactly as PUT workflows does (the same schema, then the same reader, secrets included), writing nothing: 200 with the workflows it would enable, or the 400 PUT would answer',
  })
  @ApiResponse({ status: 400, description: 'INVALID_REQUEST: details name every bad field (workflows[i]....), as PUT would' })
  async validateWorkflows(@Param('customerId') customerId: string, @Body() body: unknown): Promise<{ valid: true; workflows: string[] }> {
    await this.checkCustomer(customerId);
    try {
      return { valid: true, workflows: this.catalog.check(customerId, body).map((workflow) => workflow.workflowId) };
    } catch (error) {
      if (!(error instanceof AutomationsFileError)) throw error;
      throw ApiError.invalid(error.problems.map(fieldError), 'automations');
    }
  }

  @Post('try')
  @HttpCode(200)
  @RequestBody(WorkflowTrialSchema, { subject: 'trial' })
  @ApiOperation({
    summary:
      "Try a sample event on the customer's workflows (saved, or a `document` not saved yet) with the matcher production uses: whether each fires and, if not, the first filter that stopped it. Records, publishes and delivers nothing",
  })
  @ApiResponse({ status: 400, description: 'INVALID_REQUEST: a bad sample, or a document with bad fields (document.workflows[i]....)' })
  @ApiResponse({ status: 404, description: 'NOT_FOUND: workflow_id names no workflow of the document tried' })
  async tryWorkflows(@Param('customerId') customerId: string, @Body() body: WorkflowTrialRequest): Promise<TrialOutcome> {
    await this.checkCustomer(customerId);
    try {
      return this.trial.run(customerId, body);
    } catch (error) {
      if (error instanceof UnknownWorkflowError) throw new ApiError(404, 'NOT_FOUND', error.message);
      if (!(error instanceof AutomationsFileError)) throw error;
      throw ApiError.invalid(
        error.problems.map(fieldError).map((problem) => ({ ...problem, field: `document.${problem.field}` })),
        'trial',
      );
    }
  }

  @Get('deliveries')
  @AuditRows((result: { deliveries: unknown[] }) => result.deliveries.length)
  @ApiOperation({ summary: "The customer's latest triggers with their webhook delivery attempts, newest first; next_before pages on" })
  @ApiQuery({ name: 'limit', required: false, description: 'From 1 to 1000; default 100' })
  @ApiQuery({ name: 'state', required: false, enum: DELIVERY_STATES, description: 'Only triggers in this delivery state' })
  @ApiQuery({ name: 'before', required: false, description: "The previous page's next_before: triggers older than it" })
  async deliveries(
    @Param('customerId') customerId: string,
    @Query('limit') limitText: string | undefined,
    @Query('state') state?: string,
    @Query('before') before?: string,
  ): Promise<{ deliveries: Array<Record<string, unknown>>; next_before: string | null }> {
    await this.checkCustomer(customerId);
    const limit = limitText === undefined ? 100 : Number(limitText);
    const problems: Array<{ field: string; reason: string }> = [];
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) problems.push({ field: 'limit', reason: 'must be an integer from 1 to 1000' });
    if (state !== undefined && !(DELIVERY_STATES as readonly string[]).includes(state)) problems.push({ field: 'state', reason: `must be one of ${DELIVERY_STATES.join(', ')}` });
    if (before !== undefined && !/^[1-9][0-9]{0,17}$/.test(before)) problems.push({ field: 'before', reason: "must be a previous page's next_before" });
    if (problems.length > 0) throw ApiError.invalid(problems);
    const deliveries = await this.triggers.deliveries(customerId, { limit, state: state as DeliveryState | undefined, before });
    const last = deliveries.at(-1);
    return { deliveries, next_before: deliveries.length === limit && typeof last?.['seq'] === 'string' ? last['seq'] : null };
  }

  @Post('deliveries/:triggerId/redeliver')
  @HttpCode(202)
  @ApiOperation({ summary: "Deliver a trigger's webhook again now (409 while an attempt is in flight)" })
  async redeliver(
    @Param('customerId') customerId: string,
    @Param('triggerId') triggerId: string,
  ): Promise<{ success: true; trigger_id: string }> {
    await this.checkCustomer(customerId);
    // An id no trigger can have (NUL, which PostgreSQL text cannot hold, or other control characters) is simply not found.
    if (!/^[\x21-\x7e]{1,128}$/.test(triggerId)) throw new ApiError(404, 'NOT_FOUND', `No trigger ${JSON.stringify(triggerId.slice(0, 128))} for customer ${customerId}`);
    const outcome = await this.triggers.redeliver(customerId, triggerId);
    if (outcome === 'not_found') throw new ApiError(404, 'NOT_FOUND', `No trigger ${triggerId} with a webhook for customer ${customerId}`);
    if (outcome === 'in_flight') throw new ApiError(409, 'CONFLICT', `Trigger ${triggerId} is being delivered right now; try again when the attempt has ended`);
    this.dispatcher.wake();
    return { success: true, trigger_id: triggerId };
  }

  private async checkCustomer(customerId: string): Promise<void> {
    if (!CUSTOMER_ID_PATTERN.test(customerId)) throw new ApiError(404, 'CUSTOMER_NOT_FOUND', `Customer ${customerId} is not configured`);
    // A customer applied a moment ago is known once the catalog has read what was written before this request.
    if (!this.catalog.knows(customerId)) await this.catalog.refresh();
    if (!this.catalog.knows(customerId)) throw new ApiError(404, 'CUSTOMER_NOT_FOUND', `Customer ${customerId} is not configured`);
  }
}
