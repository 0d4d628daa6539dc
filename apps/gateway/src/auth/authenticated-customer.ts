import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { CustomerConfig } from '@tracking/customers';

export interface AuthenticatedRequest extends FastifyRequest {
  customer?: CustomerConfig;
}

/** The customer the guard authenticated for this request. */
export const AuthenticatedCustomer = createParamDecorator((_: unknown, context: ExecutionContext): CustomerConfig => {
  const customer = context.switchToHttp().getRequest<AuthenticatedRequest>().customer;
  if (!customer) throw new Error('AuthenticatedCustomer used on a route without ApiTokenGuard');
  return customer;
});
