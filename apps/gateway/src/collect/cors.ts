import type { FastifyReply } from 'fastify';

/** CORS for the browser collector: only ever the request's own, allowed origin, never `*`. */
export function allowOrigin(reply: FastifyReply, origin: string): void {
  reply.headers({
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type',
    'Access-Control-Max-Age': '600',
    // The browser SDK honours Retry-After on 429 and 503; without this the browser hides it.
    'Access-Control-Expose-Headers': 'Retry-After',
    Vary: 'Origin',
  });
}
