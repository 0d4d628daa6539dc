import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ADMIN_AUTH, AdminTokenGuard } from '@tracking/http';
import { SiteBackfill, type SiteBackfillReport } from './site-backfill';

/** Sites on the loader's own port, for operators (TRACKING_ADMIN_TOKEN). */
@ApiTags('sites')
@ApiBearerAuth(ADMIN_AUTH)
@Controller('api/v1/sites')
@UseGuards(AdminTokenGuard)
export class SitesController {
  constructor(private readonly backfill: SiteBackfill) {}

  @Post('backfill')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Give the events loaded before sites existed their site, as a load of their records gives it now',
    description:
      "Once after upgrading a loaded vault: every staged event without a site_id is mapped again from its raw record with the customer's current configuration; its site and key hubs, links and satellites are added, staging and the rollups get its site. Safe to repeat.",
  })
  @ApiResponse({ status: 200, description: 'Events examined, events that got a site, rows added per table' })
  async run(): Promise<SiteBackfillReport> {
    return this.backfill.run();
  }
}
