import type { EnvReader } from './env-reader';

/**
 * A bounded run of a consumer, started by `tracking replay --to/--customer` under a temporary group:
 * records at or after the stop offsets are left alone, other customers' records are skipped, and the
 * service exits once every listed partition reached its stop offset.
 */
export interface ReplayBounds {
  /** Only this customer's records are handled. */
  customer?: string;
  /** topic -> partition -> first offset not to handle. Partitions not listed have nothing to replay. */
  stopOffsets: Record<string, Record<string, string>>;
}

/** REPLAY_STOP_OFFSETS (JSON) and REPLAY_CUSTOMER; undefined for a normal, unbounded run. */
export function readReplayBounds(env: EnvReader): ReplayBounds | undefined {
  const text = env.optionalString('REPLAY_STOP_OFFSETS');
  const customer = env.optionalString('REPLAY_CUSTOMER');
  if (text === undefined) {
    if (customer !== undefined) env.problem('REPLAY_CUSTOMER needs REPLAY_STOP_OFFSETS (both are set by tracking replay)');
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    env.problem('REPLAY_STOP_OFFSETS must be JSON such as {"tracking.events.v1":{"0":"1234"}}');
    return undefined;
  }
  const valid =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) &&
    Object.values(parsed).every((partitions) =>
      typeof partitions === 'object' && partitions !== null && !Array.isArray(partitions) &&
      Object.entries(partitions).every(([partition, offset]) => /^\d+$/.test(partition) && typeof offset === 'string' && /^\d+$/.test(offset)));
  if (!valid) {
    env.problem('REPLAY_STOP_OFFSETS must map topics to {"<partition>": "<offset>"} objects');
    return undefined;
  }
  return { ...(customer ? { customer } : {}), stopOffsets: parsed as ReplayBounds['stopOffsets'] };
}
