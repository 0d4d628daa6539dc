import { Body, Controller, ForbiddenException, Headers, HttpCode, Inject, Post, UnauthorizedException, BadRequestException } from '@nestjs/common';
import { checkAdminToken } from '@tracking/config';
import { CUSTOMER_ID_PATTERN } from '@tracking/customers';
import { VAULT_LOADER_CONFIG, type VaultLoaderConfig } from '../config/vault-loader.config';
import { ErasureRepository, type ErasureResult } from './erasure.repository';
import { RetentionJob } from './retention.job';

const ID = /^[\x21-\x7e]{1,255}$/;

/**
 * Privacy operations on the loader's own port, for operators (TRACKING_ADMIN_TOKEN): erase a person
 * by visitor or user id, and run the retention purge now instead of waiting for its timer.
 */
@Controller('api/v1/privacy')
export class PrivacyController {
  constructor(
    private readonly erasures: ErasureRepository,
    private readonly retention: RetentionJob,
    @Inject(VAULT_LOADER_CONFIG) private readonly config: VaultLoaderConfig,
  ) {}

  @Post('erasures')
  @HttpCode(200)
  async erase(@Headers('authorization') authorization: string | undefined, @Body() body: unknown): Promise<ErasureResult> {
    this.authorise(authorization);
    const fields = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const customerId = fields['customer_id'];
    const visitorId = fields['visitor_id'];
    const userId = fields['user_id'];
    if (typeof customerId !== 'string' || !CUSTOMER_ID_PATTERN.test(customerId)) throw new BadRequestException('customer_id must be a customer id');
    for (const [name, value] of [['visitor_id', visitorId], ['user_id', userId]] as const) {
      if (value !== undefined && (typeof value !== 'string' || !ID.test(value))) throw new BadRequestException(`${name} must be an id of 1-255 printable characters`);
    }
    if (visitorId === undefined && userId === undefined) throw new BadRequestException('name the person: visitor_id, user_id or both');
    return this.erasures.erase({ customerId, visitorId: visitorId as string | undefined, userId: userId as string | undefined });
  }

  @Post('retention/run')
  @HttpCode(200)
  async purge(@Headers('authorization') authorization: string | undefined): Promise<{ purged: Record<string, Record<string, number>> }> {
    this.authorise(authorization);
    return { purged: await this.retention.run() };
  }

  private authorise(authorization: string | undefined): void {
    const check = checkAdminToken(this.config.adminTokenSha256, authorization);
    if (check === 'disabled') throw new ForbiddenException('privacy operations are disabled: set TRACKING_ADMIN_TOKEN');
    if (check !== 'ok') throw new UnauthorizedException('admin token required');
  }
}
