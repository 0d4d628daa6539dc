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
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `Unsupported Content-Type "${type || 'none'}": send application/json`);
    return true;
  }
}
