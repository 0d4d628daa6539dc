import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ApiError } from './api-error';
import { errorEnvelope } from './error-envelope';

/** The security scheme of the operators' routes (`@ApiBearerAuth(ADMIN_AUTH)`): Bearer TRACKING_ADMIN_TOKEN. */
export const ADMIN_AUTH = 'admin';

export interface OpenApiInfo {
  title: string;
  description: string;
  version: string;
  /** The gateway's customers' bearer token (scheme `bearer`, `@ApiBearerAuth()`), beside the admin one. */
  customerToken?: boolean;
}

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

function page(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${title.replace(/[<>&"]/g, '')}</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });
  </script>
</body>
</html>`;
}

let assets: Map<string, Buffer> | undefined;

/** Swagger UI's files from swagger-ui-dist, read once per process: no CDN, no static-file plugin. */
function uiAssets(): Map<string, Buffer> {
  if (!assets) {
    const root = dirname(require.resolve('swagger-ui-dist/package.json'));
    assets = new Map(Object.keys(ASSETS).map((name) => [name, readFileSync(join(root, name))]));
  }
  return assets;
}

/**
 * The OpenAPI document Nest makes from a service's controllers (request bodies from their TypeBox
 * schemas), served as JSON at /openapi.json and /docs/openapi.json, YAML at /docs/openapi.yaml, and
 * Swagger UI at /docs. Every service does this the same way; call it before the app listens.
 */
export function serveOpenApi(app: NestFastifyApplication, info: OpenApiInfo): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle(info.title)
    .setDescription(info.description)
    .setVersion(info.version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: "The operators' token, TRACKING_ADMIN_TOKEN" }, ADMIN_AUTH);
  if (info.customerToken) builder.addBearerAuth();
  const document = SwaggerModule.createDocument(app, builder.build());
  SwaggerModule.setup('docs', app, document, { swaggerUiEnabled: false, jsonDocumentUrl: 'docs/openapi.json', yamlDocumentUrl: 'docs/openapi.yaml' });

  const html = page(info.title);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get('/openapi.json', (_request, reply) => {
    void reply.send(document);
  });
  fastify.get('/docs', (_request, reply) => {
    void reply.type('text/html; charset=utf-8').send(html);
  });
  fastify.get<{ Params: { asset: string } }>('/docs/:asset', (request, reply) => {
    const content = uiAssets().get(request.params.asset);
    if (!content) {
      void reply.code(404).send(errorEnvelope(new ApiError(404, 'NOT_FOUND', 'No such endpoint'), { customerId: null, auditLogged: false }));
      return;
    }
    void reply.type(ASSETS[request.params.asset] ?? 'application/octet-stream').header('Cache-Control', 'public, max-age=86400').send(content);
  });
  return document;
}
