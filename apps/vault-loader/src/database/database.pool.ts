import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';

export const DATABASE_POOL = Symbol('DATABASE_POOL');

export function createDatabasePool(url: string, size: number): Pool {
  return new Pool({ connectionString: url, max: size, application_name: 'vault-loader' });
}

/** Closes the pool last, after the consumer has stopped (it stops in beforeApplicationShutdown). */
@Injectable()
export class DatabasePoolCloser implements OnApplicationShutdown {
  constructor(@Inject(DATABASE_POOL) private readonly pool: Pool) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
