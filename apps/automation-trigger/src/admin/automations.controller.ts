import { Body, Controller, Get, Headers, HttpCode, Ip, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AutomationsFileError, CUSTOMER_ID_PATTERN } from '@tracking/customers';
import { ADMIN_AUTH, AdminTokenGuard, ApiError, AuditRows, RequestBody } from '@tracking/http';
import { AutomationsDocumentSchema } from '../workflows/automations-document.schema';
import { WebhookDispatcher } from '../delivery/webhook.dispatcher';
import { TriggerRepository } from '../triggers/trigger.repository';
import { WorkflowCatalog, WorkflowsReadOnlyError } from '../workflows/workflow-catalog';

/** A reader problem, `<file>: workflows[0].webhook.url must be an http(s) URL`, as a field and a reason. */
function fieldError(problem: string): { field: string; reason: string } {
  const text = problem.slice(problem.indexOf(': ') + 2);
  const space = text.indexOf(' ');
  return space < 0 ? { field: 'automations', reason: text } : { field: text.slice(0, space), reason: text.slice(space + 1) };
}

/**
 * Operators' API (TRACKING_ADMIN_TOKEN) over a customer's automations: read and replace its
 * workflows (the same document as automations.yaml, checked field by field before anything is
 * written), list its triggers with their delivery attempts, and redeliver one by hand. Every call is
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

  @Get('deliveries')
  @AuditRows((result: { deliveries: unknown[] }) => result.deliveries.length)
  @ApiOperation({ summary: "The customer's latest triggers with their webhook delivery attempts" })
  @ApiQuery({ name: 'limit', required: false, description: 'From 1 to 1000; default 100' })
  async deliveries(
    @Param('customerId') customerId: string,
    @Query('limit') limitText: string | undefined,
  ): Promise<{ deliveries: Array<Record<string, unknown>> }> {
    await this.checkCustomer(customerId);
    const limit = limitText === undefined ? 100 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw ApiError.invalid([{ field: 'limit', reason: 'must be an integer from 1 to 1000' }]);
    return { deliveries: await this.triggers.deliveries(customerId, limit) };
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
