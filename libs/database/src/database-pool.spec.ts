import { EventEmitter } from 'node:events';
import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import { createDatabasePool } from './database-pool';

describe(createDatabasePool.name, () => {
  const setup = () => {
    const logger = { warn: jest.fn() };
    const sut = createDatabasePool('postgres://nobody@127.0.0.1:1/none', 1, 'spec', logger as unknown as Logger);
    return { sut, logger };
  };

  describe('when a checked-out connection is cut', () => {
    it('logs the error instead of letting it crash the process', async () => {
      const { sut, logger } = setup();
      const client = new EventEmitter();
      sut.emit('connect', client as unknown as PoolClient);

      // An 'error' event nobody listens to throws: this is what crashed the vault loader.
      expect(() => client.emit('error', new Error('Connection terminated unexpectedly'))).not.toThrow();
      expect(logger.warn).toHaveBeenCalledWith({ err: expect.any(Error) }, 'database connection lost');
      await sut.end();
    });
  });

  describe('when an idle connection is cut', () => {
    it('logs it as well', async () => {
      const { sut, logger } = setup();
      expect(() => sut.emit('error', new Error('terminating connection due to administrator command'))).not.toThrow();
      expect(logger.warn).toHaveBeenCalledWith({ err: expect.any(Error) }, 'idle database connection lost');
      await sut.end();
    });
  });
});
