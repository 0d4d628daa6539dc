import type { Pool } from 'pg';

/** What a call of SingletonJob.run did. */
export type SingletonOutcome<T> =
  | { ran: true; result: T }
  | { ran: false; reason: 'running elsewhere' }
  | { ran: false; reason: 'ran recently'; lastRunAt: Date };

/**
 * A job that runs once across every instance of a service sharing one database (the retention
 * purge): an advisory lock keeps two instances from running it at the same time, and the time of
 * the last run, kept in `ops.job_runs`, keeps an instance whose timer fires just after another's
 * from running it again within the interval.
 */
export class SingletonJob {
  constructor(
    private readonly pool: Pool,
    readonly name: string,
    private readonly intervalMs: number,
  ) {}

  /** Runs `work` unless another instance is running it or ran it within the interval (`force` ignores the interval). */
  async run<T>(work: () => Promise<T>, options: { force?: boolean; instance?: string } = {}): Promise<SingletonOutcome<T>> {
    // A session-level lock on a connection of its own: the work uses other connections and
    // transactions, and the lock must outlive them.
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [`job:${this.name}`]);
      if (!rows[0]?.locked) return { ran: false, reason: 'running elsewhere' };
      try {
        const last = await client.query<{ last_run_at: Date }>('SELECT last_run_at FROM ops.job_runs WHERE job = $1', [this.name]);
        const lastRunAt = last.rows[0]?.last_run_at;
        if (!options.force && lastRunAt && Date.now() - lastRunAt.getTime() < this.intervalMs * 0.9) {
          return { ran: false, reason: 'ran recently', lastRunAt };
        }
        const result = await work();
        await client.query(
          `INSERT INTO ops.job_runs (job, last_run_at, instance) VALUES ($1, now(), $2)
           ON CONFLICT (job) DO UPDATE SET last_run_at = excluded.last_run_at, instance = excluded.instance`,
          [this.name, options.instance ?? null],
        );
        return { ran: true, result };
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`job:${this.name}`]);
      }
    } finally {
      client.release();
    }
  }
}
