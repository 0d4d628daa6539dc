import { ApiError } from '@tracking/http';
import { TrackingKeysController } from './tracking-keys.controller';
import type { TrackingKeysService } from './tracking-keys.service';

describe('the keys API with key ids no key can have (hostile-input drill)', () => {
  const rotate = jest.fn();
  const revoke = jest.fn();
  const api = new TrackingKeysController({ rotate, revoke } as unknown as TrackingKeysService);

  it.each([['NUL', 'key\u0000'], ['a control character', 'key\u001b[31m'], ['a space', 'key 1'], ['too long', 'k'.repeat(129)]])(
    'answers 404 for an id with %s instead of failing the database query',
    (_, keyId) => {
      for (const call of [() => api.rotate(keyId, {}), () => api.revoke(keyId)]) {
        let error: unknown;
        try {
          void call();
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(ApiError);
        expect((error as ApiError).status).toBe(404);
      }
      expect(rotate).not.toHaveBeenCalled();
      expect(revoke).not.toHaveBeenCalled();
    },
  );
});
