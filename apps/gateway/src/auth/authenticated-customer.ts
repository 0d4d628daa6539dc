import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { CustomerConfig } from '@tracking/customers';
import type { GatewayRequest } from '../http/gateway-request';

/** The customer a guard authenticated for this request. */
export const AuthenticatedCustomer = createParamDecorator((_: unknown, context: ExecutionContext): CustomerConfig => {
  const customer = context.switchToHttp().getRequest<GatewayRequest>().customer;
  if (!customer) throw new Error('AuthenticatedCustomer used on a route without an authentication guard');
  return customer;
});
