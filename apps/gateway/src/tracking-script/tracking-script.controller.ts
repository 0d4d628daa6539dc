import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '@tracking/http';
import { SCRIPT_CACHE_CONTROL, VERSIONED_SCRIPT_CACHE_CONTROL, scriptResponse } from './tracking-script.response';
import { TrackingScriptStore, type TrackingScript } from './tracking-script.store';

const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(',') : value);

/** Serves the browser SDK (sdks/browser) that pages embed with one script tag (seeds 002 and 004). */
@ApiTags('browser')
@Controller('js')
export class TrackingScriptController {
  constructor(private readonly scripts: TrackingScriptStore) {}

  @Get('tracking.js')
  @ApiOperation({
    summary: 'The browser SDK as one classic script, current release',
    description:
      'Exposes window.Tracking and initialises it from the script tag\'s data-customer-id and data-key (a publishable key) or window.trackingConfig. Cacheable for 5 minutes, then revalidated by ETag, so pages get a new release within minutes.',
  })
  @ApiProduces('application/javascript')
  @ApiResponse({ status: 200, description: 'The script (gzip when accepted)' })
  @ApiResponse({ status: 304, description: 'Not modified (If-None-Match)' })
  @ApiResponse({ status: 404, description: 'The SDK has not been built (npm run build)' })
  script(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Buffer | string {
    return this.answer(this.built(), request, reply, SCRIPT_CACHE_CONTROL);
  }

  @Get(':release/tracking.min.js')
  @ApiOperation({
    summary: 'The browser SDK as one classic script, one release',
    description:
      'The same script at a URL that names its version (the browser package\'s, e.g. /js/v1.0.0/tracking.min.js), cached for a year as immutable, so a page can pin it with an integrity (SRI) hash. Only the release this gateway ships is served.',
  })
  @ApiParam({ name: 'release', description: '`v` and the version, e.g. v1.0.0' })
  @ApiProduces('application/javascript')
  @ApiResponse({ status: 200, description: 'The script (gzip when accepted)' })
  @ApiResponse({ status: 304, description: 'Not modified (If-None-Match)' })
  @ApiResponse({ status: 404, description: 'Another release than the one this gateway ships, or the SDK has not been built' })
  release(@Param('release') release: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Buffer | string {
    return this.answer(this.pinned(release), request, reply, VERSIONED_SCRIPT_CACHE_CONTROL);
  }

  @Get('tracking.min.js.map')
  @ApiOperation({ summary: "The current script's source map", description: 'Named by the script itself; developer tools fetch it beside /js/tracking.js.' })
  @ApiResponse({ status: 200, description: 'The source map (JSON)' })
  @ApiResponse({ status: 404, description: 'Not built' })
  sourceMap(@Res({ passthrough: true }) reply: FastifyReply): Buffer {
    return this.mapOf(this.built(), reply, SCRIPT_CACHE_CONTROL);
  }

  @Get(':release/tracking.min.js.map')
  @ApiOperation({ summary: "One release's source map", description: 'Beside /js/v<version>/tracking.min.js, immutable like it.' })
  @ApiParam({ name: 'release', description: '`v` and the version, e.g. v1.0.0' })
  @ApiResponse({ status: 200, description: 'The source map (JSON)' })
  @ApiResponse({ status: 404, description: 'Another release, or not built' })
  releaseSourceMap(@Param('release') release: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    return this.mapOf(this.pinned(release), reply, VERSIONED_SCRIPT_CACHE_CONTROL);
  }

  private mapOf(script: TrackingScript, reply: FastifyReply, cacheControl: string): Buffer {
    if (!script.sourceMap) throw new ApiError(404, 'NOT_FOUND', 'The browser SDK was built without its source map');
    reply.headers({ 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': cacheControl, 'Access-Control-Allow-Origin': '*', 'X-Content-Type-Options': 'nosniff' });
    return script.sourceMap;
  }

  /** The script when `release` names the version this gateway ships (`v1.0.0`); 404 otherwise. */
  private pinned(release: string): TrackingScript {
    const script = this.built();
    if (release !== `v${script.version}`) {
      throw new ApiError(404, 'NOT_FOUND', `This gateway serves the browser SDK v${script.version} only (/js/v${script.version}/tracking.min.js, or /js/tracking.js for the current release)`);
    }
    return script;
  }

  private built(): TrackingScript {
    const script = this.scripts.current();
    if (!script) throw new ApiError(404, 'NOT_FOUND', 'The browser SDK is not built on this gateway (npm run build makes sdks/browser/dist/tracking.min.js)');
    return script;
  }

  private answer(script: TrackingScript, request: FastifyRequest, reply: FastifyReply, cacheControl: string): Buffer | string {
    const response = scriptResponse(
      script,
      { ifNoneMatch: header(request.headers['if-none-match']), acceptEncoding: header(request.headers['accept-encoding']) },
      cacheControl,
    );
    reply.status(response.status).headers(response.headers);
    return response.body;
  }
}
