import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type, type Static } from '@sinclair/typebox';
import { CUSTOMER_ID_PATTERN } from '@tracking/customers';
import { ADMIN_AUTH, AdminTokenGuard, ApiError, AuditRows, RequestBody } from '@tracking/http';
import { REASON_KEYWORD } from '@tracking/ingestion';
import { SubjectAccessService, type SubjectAccessResult } from './subject-access.service';

const ID = /^[\x21-\x7e]{1,255}$/;
const ids = (description: string) =>
  Type.Array(Type.String({ pattern: ID.source, [REASON_KEYWORD]: 'must be an id of 1-255 printable characters' }), { maxItems: 1000, default: [], description });

/** Whose exported records to return; at least one id (checked by the handler: a schema would name no field). */
export const AccessRequestSchema = Type.Object(
  {
    customer_id: Type.String({ pattern: CUSTOMER_ID_PATTERN.source, [REASON_KEYWORD]: 'must be a customer id' }),
    visitor_ids: Type.Optional(ids('Visitor ids the events carried (the subject and the visitors linked to it)')),
    user_ids: Type.Optional(ids('User ids the events carried')),
  },
  { additionalProperties: false },
);

/**
 * The exporter's privacy operations, on its own port for operators (TRACKING_ADMIN_TOKEN). Erasure
 * needs no route here: the exporter acts on every request of privacy.erasures.v1 (ErasureWorker).
 */
@ApiTags('privacy')
@ApiBearerAuth(ADMIN_AUTH)
@Controller('api/v1/privacy')
@UseGuards(AdminTokenGuard)
export class PrivacyController {
  constructor(private readonly access: SubjectAccessService) {}

  @Post('access')
  @HttpCode(200)
  @RequestBody(AccessRequestSchema)
  // Audited like every route of the exporter (ReadAuditInterceptor), with the number of records returned.
  @AuditRows((answer: { records: unknown[] }) => answer.records.length)
  @ApiOperation({
    summary: "Every exported record of a subject in the customer's client bucket (GDPR art. 15 and 20)",
    description:
      'Answers { success, customer_id, exported, bucket, objects_scanned, records: [{ bucket, key, record }] }: each record as the JSON Lines export writes it, with the object it came from, in key order. Ids match as the erasure list matches them (trimmed, case-insensitive). Reads every object of the customer: seconds for thousands of objects.',
  })
  @ApiResponse({ status: 200, description: "The subject's exported records" })
  @ApiResponse({ status: 400, description: 'INVALID_REQUEST: details name the field' })
  async find(@Body() body: Static<typeof AccessRequestSchema>): Promise<{ success: true } & SubjectAccessResult> {
    const visitorIds = body.visitor_ids ?? [];
    const userIds = body.user_ids ?? [];
    if (visitorIds.length === 0 && userIds.length === 0) throw new ApiError(400, 'INVALID_REQUEST', 'Invalid request: name the subject by visitor_ids, user_ids or both');
    return { success: true, ...(await this.access.find({ customerId: body.customer_id, visitorIds, userIds })) };
  }
}
