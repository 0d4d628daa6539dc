import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { DATABASE_POOL } from './database-pool';

/**
 * Closes the service's pool last: onApplicationShutdown runs after the HTTP server and the consumers
 * (which stop in beforeApplicationShutdown) are done with it.
 */
@Injectable()
export class DatabasePoolCloser implements OnApplicationShutdown {
  constructor(@Inject(DATABASE_POOL) private readonly pool: Pool) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
