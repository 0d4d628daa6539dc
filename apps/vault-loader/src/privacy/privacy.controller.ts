import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { CUSTOMER_ID_PATTERN } from '@tracking/customers';
import { AdminTokenGuard, ApiError } from '@tracking/http';
import { ErasureRepository, type ErasureResult } from './erasure.repository';
import { RetentionJob } from './retention.job';

const ID = /^[\x21-\x7e]{1,255}$/;

/**
 * Privacy operations on the loader's own port, for operators (TRACKING_ADMIN_TOKEN): erase a person
 * by visitor or user id, and run the retention purge now instead of waiting for its timer.
 */
@Controller('api/v1/privacy')
@UseGuards(AdminTokenGuard)
export class PrivacyController {
  constructor(
    private readonly erasures: ErasureRepository,
    private readonly retention: RetentionJob,
  ) {}

  @Post('erasures')
  @HttpCode(200)
  async erase(@Body() body: unknown): Promise<ErasureResult> {
    const fields = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const customerId = fields['customer_id'];
    const visitorId = fields['visitor_id'];
    const userId = fields['user_id'];
    if (typeof customerId !== 'string' || !CUSTOMER_ID_PATTERN.test(customerId)) throw ApiError.invalid([{ field: 'customer_id', reason: 'must be a customer id' }]);
    for (const [name, value] of [['visitor_id', visitorId], ['user_id', userId]] as const) {
      if (value !== undefined && (typeof value !== 'string' || !ID.test(value))) throw ApiError.invalid([{ field: name, reason: 'must be an id of 1-255 printable characters' }]);
    }
    if (visitorId === undefined && userId === undefined) throw new ApiError(400, 'INVALID_REQUEST', 'Invalid request: name the person by visitor_id, user_id or both');
    return this.erasures.erase({ customerId, visitorId: visitorId as string | undefined, userId: userId as string | undefined });
  }

  @Post('retention/run')
  @HttpCode(200)
  async purge(): Promise<{ purged: Record<string, Record<string, number>> }> {
    return { purged: await this.retention.run() };
  }
}
