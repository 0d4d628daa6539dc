import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '@tracking/http';
import { scriptResponse } from './tracking-script.response';
import { TrackingScriptStore } from './tracking-script.store';

const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(',') : value);

/** Serves the browser SDK (sdks/browser) that pages embed with one script tag (seeds 002 and 004). */
@ApiTags('browser')
@Controller('js')
export class TrackingScriptController {
  constructor(private readonly scripts: TrackingScriptStore) {}

  @Get('tracking.js')
  @ApiOperation({
    summary: 'The browser SDK as one classic script',
    description:
      'Exposes window.Tracking and initialises it from the script tag\'s data-customer-id and data-key (a publishable key) or window.trackingConfig. Cacheable for 5 minutes, then revalidated by ETag.',
  })
  @ApiProduces('application/javascript')
  @ApiResponse({ status: 200, description: 'The script (gzip when accepted)' })
  @ApiResponse({ status: 304, description: 'Not modified (If-None-Match)' })
  @ApiResponse({ status: 404, description: 'The SDK has not been built (npm run build)' })
  script(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Buffer | string {
    const script = this.scripts.current();
    if (!script) throw new ApiError(404, 'NOT_FOUND', 'The browser SDK is not built on this gateway (npm run build makes dist/sdks/browser/tracking.js)');
    const response = scriptResponse(script, {
      ifNoneMatch: header(request.headers['if-none-match']),
      acceptEncoding: header(request.headers['accept-encoding']),
    });
    reply.status(response.status).headers(response.headers);
    return response.body;
  }
}
