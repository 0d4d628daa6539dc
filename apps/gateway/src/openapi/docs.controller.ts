import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Controller, Get, Header, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Tracking gateway API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({ url: '/docs/openapi.json', dom_id: '#swagger-ui', presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });
  </script>
</body>
</html>`;

/**
 * Swagger UI at /docs over the document Nest generates from the controllers (/docs/openapi.json).
 * The UI's files are served from swagger-ui-dist, read once: no CDN, no static-file plugin.
 */
@ApiExcludeController()
@Controller('docs')
export class DocsController {
  private readonly assets = new Map<string, Buffer>();

  constructor() {
    const root = dirname(require.resolve('swagger-ui-dist/package.json'));
    for (const name of Object.keys(ASSETS)) this.assets.set(name, readFileSync(join(root, name)));
  }

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return PAGE;
  }

  @Get(':asset')
  @Header('Cache-Control', 'public, max-age=86400')
  asset(@Param('asset') name: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    const content = this.assets.get(name);
    if (!content) throw new NotFoundException();
    reply.header('Content-Type', ASSETS[name]);
    return content;
  }
}
