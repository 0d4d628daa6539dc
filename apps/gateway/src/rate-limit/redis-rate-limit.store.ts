import Redis, { type RedisOptions } from 'ioredis';
import { type ConsumeResult, type RateLimitStore, type WindowCheck, windowStart } from './rate-limit.store';

/**
 * Check-then-increment of every counter in one Lua script: Redis runs it atomically, so gateways
 * sharing the Redis server share each limit exactly. Returns {allowed, refusedBy (1-based or 0), counts...}.
 */
const CONSUME_SCRIPT = `
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = tonumber(redis.call('GET', key) or '0')
  if counts[i] >= tonumber(ARGV[i * 2 - 1]) then
    return {0, i, unpack(counts)}
  end
end
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  if counts[i] == 1 then redis.call('PEXPIRE', key, ARGV[i * 2]) end
end
return {1, 0, unpack(counts)}
`;

/**
 * ioredis reads `rediss://` as TLS against the system's CAs; a private CA (REDIS_TLS_CA_FILE) is
 * added here. Auto-pipelining sends the checks of concurrent requests in one write per tick.
 */
export function redisOptions(tlsCa?: string): RedisOptions {
  const options: RedisOptions = { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false, enableAutoPipelining: true };
  if (tlsCa !== undefined) options.tls = { ca: tlsCa };
  return options;
}

export class RedisRateLimitStore implements RateLimitStore {
  private readonly redis: Redis;

  constructor(url: string, tlsCa?: string) {
    this.redis = new Redis(url, redisOptions(tlsCa));
    this.redis.defineCommand('consumeWindows', { lua: CONSUME_SCRIPT });
  }

  async consume(checks: readonly WindowCheck[], now: number): Promise<ConsumeResult> {
    const keys = checks.map((check) => `ratelimit:${check.subject}:${windowStart(now, check.windowMs)}`);
    const args = checks.flatMap((check) => [String(check.limit), String(windowStart(now, check.windowMs) + check.windowMs - now + 1000)]);
    const reply = (await (this.redis as unknown as { consumeWindows: (...args: unknown[]) => Promise<number[]> }).consumeWindows(
      keys.length,
      ...keys,
      ...args,
    )) as number[];
    const [allowed, refusedBy, ...counts] = reply;
    if (allowed === 1) return { allowed: true, counts };
    return { allowed: false, counts: counts.concat(new Array(checks.length - counts.length).fill(0)), refusedBy: refusedBy - 1 };
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
