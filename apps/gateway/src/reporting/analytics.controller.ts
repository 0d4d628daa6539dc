import { Readable } from 'node:stream';
import { Controller, Get, Query, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiHeader, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditRows, listedRows, streamedRows } from '@tracking/http';
import type { CustomerConfig } from '@tracking/customers';
import { AuditInterceptor } from '../audit/audit.interceptor';
import { AuthenticatedCustomer } from '../auth/authenticated-customer';
import { ReadAccessGuard } from '../console/console-access.guards';
import { CustomerRateLimitGuard } from '../rate-limit/rate-limit.guards';
import { parseAnalyticsFilters, type AnalyticsFilters } from './analytics-filters';
import { EXPORT_COLUMNS, analyticsReport, exportQuery, sitesReport } from './analytics.queries';
import { csvLine } from './csv';
import { TenantReadRepository } from './tenant-read.repository';

const FILTER_DOCS = [
  { name: 'window', required: false, description: 'Days: 7, 30 (default) or 90; the window ends now and starts at 00:00 UTC' },
  { name: 'url', required: false, description: 'A page URL (its host, and its path as a prefix) or a path prefix such as /pricing' },
  { name: 'event_name', required: false, description: 'Only events with this name (page title for page views)' },
  { name: 'event_type', required: false, description: 'Only events of this type' },
  { name: 'site_id', required: false, description: "Only events of this site: a declared site's id, or a discovered site's host" },
] as const;

/**
 * Seed 002's analytics surfaces over the vault's analytics views, for the authenticated customer's
 * tenant. Every read is audited with its filters and the rows it returned (issue 20).
 */
@ApiTags('analytics')
@ApiBearerAuth()
@ApiHeader({ name: 'X-Customer-ID', required: false, description: 'With a bearer token (read scope); a console session reads its own tenant, an operator session names it here or as customer_id' })
@ApiCookieAuth('console_session')
@Controller('api/v1/tracking/analytics')
@UseGuards(ReadAccessGuard, CustomerRateLimitGuard)
@UseInterceptors(AuditInterceptor)
export class AnalyticsController {
  constructor(private readonly reader: TenantReadRepository) {}

  @Get()
  @ApiOperation({ summary: 'Daily page views, unique visitors, top pages, event leaderboard, referrers, UTM breakdowns and a recent timeline' })
  @ApiQuery(FILTER_DOCS[0])
  @ApiQuery(FILTER_DOCS[1])
  @ApiQuery(FILTER_DOCS[2])
  @ApiQuery(FILTER_DOCS[3])
  @ApiQuery(FILTER_DOCS[4])
  @ApiQuery({ name: 'limit', required: false, description: 'Rows per ranking, 1 to 100 (default 10)' })
  @AuditRows(listedRows)
  async report(@Query() query: Record<string, unknown>, @AuthenticatedCustomer() customer: CustomerConfig): Promise<object> {
    const filters = parseAnalyticsFilters(query);
    const tenantHk = Buffer.from(customer.tenantHk, 'hex');
    const report = await this.reader.read(customer.tenantHk, (read) => analyticsReport(read, filters, tenantHk));
    return { customer_id: customer.customerId, ...describe(filters), ...report };
  }

  @Get('sites')
  @ApiOperation({
    summary: 'Per site: events, page views, unique visitors and sessions of the window, most events first',
    description: 'site_id null groups the events without a site (server events without a page or key site, and events loaded before sites existed).',
  })
  @ApiQuery(FILTER_DOCS[0])
  @ApiQuery(FILTER_DOCS[1])
  @ApiQuery(FILTER_DOCS[2])
  @ApiQuery(FILTER_DOCS[3])
  @ApiQuery(FILTER_DOCS[4])
  @AuditRows(listedRows)
  async sites(@Query() query: Record<string, unknown>, @AuthenticatedCustomer() customer: CustomerConfig): Promise<object> {
    const filters = parseAnalyticsFilters(query);
    const tenantHk = Buffer.from(customer.tenantHk, 'hex');
    const sites = await this.reader.read(customer.tenantHk, (read) => sitesReport(read, filters, tenantHk));
    return { customer_id: customer.customerId, ...describe(filters), sites };
  }

  @Get('export')
  @ApiOperation({ summary: 'The events of the window as CSV (RFC 4180), oldest first, with the same filters' })
  @ApiProduces('text/csv')
  @ApiQuery(FILTER_DOCS[0])
  @ApiQuery(FILTER_DOCS[1])
  @ApiQuery(FILTER_DOCS[2])
  @ApiQuery(FILTER_DOCS[3])
  @ApiQuery(FILTER_DOCS[4])
  async export(
    @Query() query: Record<string, unknown>,
    @AuthenticatedCustomer() customer: CustomerConfig,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const filters = parseAnalyticsFilters(query);
    const sent = streamedRows(request);
    const { sql, values } = exportQuery(filters, Buffer.from(customer.tenantHk, 'hex'));
    const pages = this.reader.stream(customer.tenantHk, sql, values);
    // The first page is read before answering, so a database that is away still gets a clean 503.
    const first = await pages.next();
    async function* lines(): AsyncGenerator<string> {
      try {
        yield csvLine(EXPORT_COLUMNS);
        for (let page = first; !page.done; page = await pages.next()) {
          yield page.value.map((row) => csvLine(EXPORT_COLUMNS.map((column) => row[column]))).join('');
          sent(page.value.length);
        }
      } finally {
        // A client that hangs up ends this generator early: give the connection back.
        await pages.return(undefined);
      }
    }
    const day = (date: Date) => date.toISOString().slice(0, 10);
    await reply
      .header('Content-Type', 'text/csv; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="tracking-events-${customer.customerId}-${day(filters.from)}-${day(filters.to)}.csv"`)
      .header('Cache-Control', 'no-store')
      .send(Readable.from(lines(), { objectMode: false }));
  }
}

function describe(filters: AnalyticsFilters): object {
  return {
    window_days: filters.windowDays,
    from: filters.from.toISOString(),
    to: filters.to.toISOString(),
    filters: {
      url: filters.pageHost ? `${filters.pageHost}${filters.pathPrefix ?? ''}` : filters.pathPrefix ?? null,
      event_name: filters.eventName ?? null,
      event_type: filters.eventType ?? null,
      // Only when given: an answer without a site filter stays what it was before sites.
      ...(filters.siteId === undefined ? {} : { site_id: filters.siteId }),
    },
  };
}
