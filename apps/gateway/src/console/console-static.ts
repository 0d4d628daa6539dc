import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, errorEnvelope } from '@tracking/http';

/** No inline script, nothing from elsewhere, not framed (issue 21). */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** A file under `root` for a request path, or undefined for anything that would leave it. */
export function consoleFilePath(root: string, relative: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const path = normalize(join(root, decoded));
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep) ? path : undefined;
}

async function fileAt(path: string | undefined): Promise<Buffer | undefined> {
  if (!path) return undefined;
  try {
    return (await stat(path)).isFile() ? await readFile(path) : undefined;
  } catch {
    return undefined;
  }
}

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('Content-Security-Policy', CONSOLE_CSP)
    .header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'no-referrer')
    .header('X-Frame-Options', 'DENY');
}

/**
 * Serves the built console (CONSOLE_DIR, apps/console/dist) at /console/: its files as they are,
 * hashed assets cached for good, and index.html for every other path (the console routes on the
 * client). /console/api/ belongs to the gateway's controllers: a path there that none of them
 * takes is a JSON 404, never the page. Without a build the answer says how to make one.
 */
export function serveConsole(fastify: FastifyInstance, root: string): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const path = request.url.split('?')[0] ?? '';
    if (path.startsWith('/console/api/') || path === '/console/api') {
      return reply.code(404).send(errorEnvelope(new ApiError(404, 'NOT_FOUND', `No console API route ${request.method} ${path.slice(0, 200)}`), { customerId: null, auditLogged: false }));
    }
    if (path === '/console') return reply.redirect('/console/', 308);
    const relative = path.slice('/console/'.length);
    const asset = relative === '' ? undefined : await fileAt(consoleFilePath(root, relative));
    if (asset) {
      const type = TYPES[extname(relative).toLowerCase()] ?? 'application/octet-stream';
      const cache = relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
      return securityHeaders(reply).header('Content-Type', type).header('Cache-Control', cache).send(asset);
    }
    const index = await fileAt(join(root, 'index.html'));
    if (!index) {
      return securityHeaders(reply)
        .code(404)
        .header('Content-Type', 'text/plain; charset=utf-8')
        .send(`The console is not built on this gateway: run \`npm run build\` (it writes apps/console/dist) or point CONSOLE_DIR at a build.\n`);
    }
    return securityHeaders(reply).header('Content-Type', TYPES['.html']).header('Cache-Control', 'no-cache').send(index);
  };
  fastify.get('/console', handler);
  fastify.get('/console/*', handler);
}
