import { createHash } from 'node:crypto';
import type { ExecutionContext } from '@nestjs/common';
import { AdminTokenGuard } from './admin-token.guard';
import { ApiError } from './api-error';

const ADMIN_TOKEN = 'unit-test-admin-token-0123456789abcdef';

function setup(adminToken: string | undefined, authorization: string | string[] | undefined) {
  const sut = new AdminTokenGuard(adminToken === undefined ? undefined : createHash('sha256').update(adminToken).digest());
  const request = { method: 'POST', routeOptions: { url: '/api/v1/export/run' }, headers: { authorization } };
  const context = { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
  return { sut, context };
}

function refusal(action: () => unknown): ApiError | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  return undefined;
}

describe(AdminTokenGuard.name, () => {
  describe('when the request carries the admin token', () => {
    it('lets it through', () => {
      const { sut, context } = setup(ADMIN_TOKEN, `Bearer ${ADMIN_TOKEN}`);

      expect(sut.canActivate(context)).toBe(true);
    });
  });

  describe('when TRACKING_ADMIN_TOKEN is unset', () => {
    it('answers 403 FORBIDDEN naming the setting and the route, whatever the request carries', () => {
      for (const authorization of [`Bearer ${ADMIN_TOKEN}`, undefined]) {
        const { sut, context } = setup(undefined, authorization);

        const error = refusal(() => sut.canActivate(context));

        expect(error).toMatchObject({ status: 403, code: 'FORBIDDEN' });
        expect(error?.message).toContain('TRACKING_ADMIN_TOKEN');
        expect(error?.message).toContain('POST /api/v1/export/run');
      }
    });
  });

  describe('when the Authorization header is missing or not a bearer token', () => {
    it.each([['no header', undefined], ['basic auth', `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`], ['an empty bearer', 'Bearer'], ['two headers', [`Bearer ${ADMIN_TOKEN}`, `Bearer ${ADMIN_TOKEN}`]], ['the token twice in one header', `Bearer ${ADMIN_TOKEN} ${ADMIN_TOKEN}`]])(
      'answers 401 UNAUTHORIZED saying what header is expected (%s)',
      (_, authorization) => {
        const { sut, context } = setup(ADMIN_TOKEN, authorization);

        const error = refusal(() => sut.canActivate(context));

        expect(error).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
        expect(error?.message).toContain('Authorization header');
      },
    );
  });

  describe('when the bearer token is not the admin token', () => {
    it.each([['another token', 'ovt_test_0123456789abcdef0123456789abcdef'], ['the admin token plus a character', `${ADMIN_TOKEN}x`]])(
      'answers 401 UNAUTHORIZED without repeating the token (%s)',
      (_, token) => {
        const { sut, context } = setup(ADMIN_TOKEN, `Bearer ${token}`);

        const error = refusal(() => sut.canActivate(context));

        expect(error).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
        expect(error?.message).not.toContain(token);
      },
    );
  });
});
