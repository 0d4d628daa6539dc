import { Type } from '@sinclair/typebox';
import type { ExecutionContext } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants';
import { ApiError } from './api-error';
import { REQUEST_BODY_SCHEMA, RequestBody, RequestBodyGuard } from './request-body';

const Schema = Type.Object({ customer_id: Type.String({ pattern: '^[a-z]+$' }), limit: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false });

class Api {
  @RequestBody(Schema, { subject: 'thing' })
  create(): void {}

  @RequestBody(Type.Object({ n: Type.Optional(Type.Integer()) }), { optional: true })
  poke(): void {}
}

function guardOf(handler: keyof Api): RequestBodyGuard {
  const guards = Reflect.getMetadata(GUARDS_METADATA, Api.prototype[handler]) as unknown[];
  return guards.find((guard): guard is RequestBodyGuard => guard instanceof RequestBodyGuard) as RequestBodyGuard;
}

function refusal(guard: RequestBodyGuard, body: unknown): ApiError | undefined {
  const context = { switchToHttp: () => ({ getRequest: () => ({ body }) }) } as unknown as ExecutionContext;
  try {
    guard.canActivate(context);
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  return undefined;
}

describe(RequestBody.name, () => {
  it('puts the same schema on the handler and in its guard', () => {
    expect(Reflect.getMetadata(REQUEST_BODY_SCHEMA, Api.prototype.create)).toBe(Schema);
    expect(guardOf('create').schema).toBe(Schema);
  });

  it('lets a valid body through', () => {
    expect(refusal(guardOf('create'), { customer_id: 'acme', limit: 3 })).toBeUndefined();
  });

  it('refuses a bad body with 400 INVALID_REQUEST naming the first field in the message and every one in details', () => {
    const error = refusal(guardOf('create'), { customer_id: 'ACME', limit: 0 });
    expect(error).toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: 'Invalid thing: customer_id must match pattern "^[a-z]+$" (and 1 more)' });
    expect(error?.details?.map((detail) => detail.field)).toEqual(['customer_id', 'limit']);
  });

  it('reads no body as {} where the body is optional, and refuses it where it is not', () => {
    expect(refusal(guardOf('poke'), undefined)).toBeUndefined();
    expect(refusal(guardOf('poke'), null)).toBeUndefined();
    expect(refusal(guardOf('create'), undefined)?.details).toEqual([{ field: '(body)', reason: 'must be a JSON object' }]);
  });
});
