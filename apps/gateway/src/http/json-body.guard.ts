import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '@tracking/http';

/**
 * JSON only on the API routes. Fastify also parses text/plain for the browser collector (sendBeacon
 * cannot send application/json); here that is refused with 415 instead of reaching validation.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const refusal = jsonBodyRefusal(context.switchToHttp().getRequest<FastifyRequest>());
    if (refusal) throw refusal;
    return true;
  }
}

/** The 415 for a body that is not application/json, if it is not. */
export function jsonBodyRefusal(request: FastifyRequest): ApiError | undefined {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/json' ? undefined : new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `Unsupported Content-Type "${type || 'none'}": send application/json`);
}
