import { parseStartPosition, type StartPosition } from '../inspect/start-position';

/** Where a replay starts: the log's beginning or end, a time on the log, or explicit offsets. */
export type ReplayStart = { kind: 'beginning' } | { kind: 'end' } | { kind: 'time'; at: number } | { kind: 'offsets'; offsets: Map<number, bigint> };

/**
 * `beginning`, `end` or an ISO 8601 time, read as `tail --from` reads them, or
 * `<partition>:<offset>[,<partition>:<offset>…]`. A bare offset is refused: a group spans partitions.
 */
export function parseReplayStart(text: string): ReplayStart | undefined {
  if (/^\d+:\d+(,\d+:\d+)*$/.test(text)) {
    return { kind: 'offsets', offsets: new Map(text.split(',').map((pair) => pair.split(':')).map(([partition, offset]) => [Number(partition), BigInt(offset as string)])) };
  }
  let position: StartPosition;
  try {
    position = parseStartPosition(text);
  } catch {
    return undefined;
  }
  if (position.kind === 'timestamp') return { kind: 'time', at: position.at };
  return position.kind === 'offset' ? undefined : position;
}

export interface PartitionState {
  partition: number;
  low: bigint;
  high: bigint;
  /** The group's committed offset, undefined when it has none. */
  committed?: bigint;
}

export interface PartitionMove {
  partition: number;
  from?: bigint;
  to: bigint;
  /** Records read again (positive) or skipped (negative) by the move. */
  delta: bigint;
}

/** Clamps a target into the partition's retained range, so a replay never asks for offsets that are gone. */
export function clampOffset(offset: bigint, state: PartitionState): bigint {
  if (offset < state.low) return state.low;
  if (offset > state.high) return state.high;
  return offset;
}

/** Per partition: where the group is, where it will be, and how many records that means. */
export function planMoves(states: readonly PartitionState[], targets: Map<number, bigint>): PartitionMove[] {
  return states
    .filter((state) => targets.has(state.partition))
    .map((state) => {
      const to = clampOffset(targets.get(state.partition) as bigint, state);
      const from = state.committed;
      const position = from ?? state.low;
      return { partition: state.partition, from, to, delta: position - to };
    });
}
