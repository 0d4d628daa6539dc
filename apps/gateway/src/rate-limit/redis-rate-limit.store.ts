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
 * CONSUME_SCRIPT for several stages in order, stopping at the first that refuses (see
 * RateLimitStore.consumeStages). ARGV: the number of stages, each stage's number of keys, then
 * limit and expiry of every key. Returns, per stage that ran, {allowed, refusedBy, n, n counts}.
 */
const CONSUME_STAGES_SCRIPT = `
local stages = tonumber(ARGV[1])
local out = {}
local first = 0
local arg = 2 + stages
for s = 1, stages do
  local size = tonumber(ARGV[1 + s])
  local counts = {}
  local refused = 0
  for i = 1, size do
    counts[i] = tonumber(redis.call('GET', KEYS[first + i]) or '0')
    if counts[i] >= tonumber(ARGV[arg + (i - 1) * 2]) then
      refused = i
      break
    end
  end
  if refused == 0 then
    for i = 1, size do
      counts[i] = redis.call('INCR', KEYS[first + i])
      if counts[i] == 1 then redis.call('PEXPIRE', KEYS[first + i], ARGV[arg + (i - 1) * 2 + 1]) end
    end
  end
  out[#out + 1] = refused == 0 and 1 or 0
  out[#out + 1] = refused
  out[#out + 1] = #counts
  for i = 1, #counts do out[#out + 1] = counts[i] end
  if refused > 0 then return out end
  first = first + size
  arg = arg + size * 2
end
return out
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

interface ScriptCommands {
  consumeWindows: (...args: Array<string | number>) => Promise<number[]>;
  consumeStages: (...args: Array<string | number>) => Promise<number[]>;
}

function counterKey(check: WindowCheck, now: number): string {
  return `ratelimit:${check.subject}:${windowStart(now, check.windowMs)}`;
}

/** The limit, and the counter's expiry: the end of its window plus a second for clocks that differ. */
function counterArgs(check: WindowCheck, now: number): string[] {
  return [String(check.limit), String(windowStart(now, check.windowMs) + check.windowMs - now + 1000)];
}

/** A script's answer as a ConsumeResult; counts the script did not read (after the refusing one) are 0. */
function result(checks: readonly WindowCheck[], allowed: number, refusedBy: number, counts: number[]): ConsumeResult {
  if (allowed === 1) return { allowed: true, counts };
  return { allowed: false, counts: counts.concat(new Array<number>(checks.length - counts.length).fill(0)), refusedBy: refusedBy - 1 };
}

export class RedisRateLimitStore implements RateLimitStore {
  private readonly redis: Redis;

  constructor(url: string, tlsCa?: string) {
    this.redis = new Redis(url, redisOptions(tlsCa));
    this.redis.defineCommand('consumeWindows', { lua: CONSUME_SCRIPT });
    this.redis.defineCommand('consumeStages', { lua: CONSUME_STAGES_SCRIPT });
  }

  private get commands(): ScriptCommands {
    return this.redis as unknown as ScriptCommands;
  }

  async consume(checks: readonly WindowCheck[], now: number): Promise<ConsumeResult> {
    const reply = await this.commands.consumeWindows(checks.length, ...checks.map((check) => counterKey(check, now)), ...checks.flatMap((check) => counterArgs(check, now)));
    const [allowed, refusedBy, ...counts] = reply;
    return result(checks, allowed, refusedBy, counts);
  }

  async consumeStages(stages: ReadonlyArray<readonly WindowCheck[]>, now: number): Promise<ConsumeResult[]> {
    const checks = stages.flat();
    const reply = await this.commands.consumeStages(
      checks.length,
      ...checks.map((check) => counterKey(check, now)),
      String(stages.length),
      ...stages.map((stage) => String(stage.length)),
      ...checks.flatMap((check) => counterArgs(check, now)),
    );
    const results: ConsumeResult[] = [];
    for (let at = 0; at < reply.length && results.length < stages.length; ) {
      const [allowed, refusedBy, size] = reply.slice(at, at + 3);
      results.push(result(stages[results.length], allowed, refusedBy, reply.slice(at + 3, at + 3 + size)));
      at += 3 + size;
    }
    return results;
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
