import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type, type Static } from '@sinclair/typebox';
import { CUSTOMER_ID_PATTERN } from '@tracking/customers';
import { ADMIN_AUTH, AdminTokenGuard, ApiError, RequestBody } from '@tracking/http';
import { REASON_KEYWORD } from '@tracking/ingestion';
import { ErasureRepository, type ErasureResult } from './erasure.repository';
import { RetentionJob, type PurgeReport } from './retention.job';

const ID = /^[\x21-\x7e]{1,255}$/;
const personId = (description: string) =>
  Type.Optional(Type.String({ pattern: ID.source, description, [REASON_KEYWORD]: 'must be an id of 1-255 printable characters' }));

/** Whom to erase; at least one of visitor_id and user_id (checked by the handler: a schema would name no field). */
export const ErasureRequestSchema = Type.Object(
  {
    customer_id: Type.String({ pattern: CUSTOMER_ID_PATTERN.source, [REASON_KEYWORD]: 'must be a customer id' }),
    visitor_id: personId('The visitor id the events carried'),
    user_id: personId('The user id the events carried'),
  },
  { additionalProperties: false },
);

/**
 * Privacy operations on the loader's own port, for operators (TRACKING_ADMIN_TOKEN): erase a person
 * by visitor or user id, and run the retention purge now instead of waiting for its timer.
 */
@ApiTags('privacy')
@ApiBearerAuth(ADMIN_AUTH)
@Controller('api/v1/privacy')
@UseGuards(AdminTokenGuard)
export class PrivacyController {
  constructor(
    private readonly erasures: ErasureRepository,
    private readonly retention: RetentionJob,
  ) {}

  @Post('erasures')
  @HttpCode(200)
  @RequestBody(ErasureRequestSchema)
  @ApiOperation({ summary: "Erase a person's events, sessions and identifiers from the vault, by visitor id, user id or both" })
  @ApiResponse({ status: 200, description: 'What was erased, table by table' })
  @ApiResponse({ status: 400, description: 'INVALID_REQUEST: details name the field' })
  async erase(@Body() body: Static<typeof ErasureRequestSchema>): Promise<ErasureResult> {
    const { customer_id: customerId, visitor_id: visitorId, user_id: userId } = body;
    if (visitorId === undefined && userId === undefined) throw new ApiError(400, 'INVALID_REQUEST', 'Invalid request: name the person by visitor_id, user_id or both');
    return this.erasures.erase({ customerId, visitorId, userId });
  }

  @Post('retention/run')
  @HttpCode(200)
  @ApiOperation({ summary: "Run the retention purge now (each customer's data_retention_days) instead of waiting for its timer" })
  @ApiResponse({ status: 409, description: 'CONFLICT: another loader instance is running the purge' })
  async purge(): Promise<{ purged: PurgeReport }> {
    const outcome = await this.retention.runOnce({ force: true });
    if (!outcome.ran) throw new ApiError(409, 'CONFLICT', 'Another vault-loader instance is running the retention purge; try again when it has finished');
    return { purged: outcome.result };
  }
}
