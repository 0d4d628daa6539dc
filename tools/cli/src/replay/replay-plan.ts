import type { ReplayStart } from '@tracking/kafka';
import { parseStartPosition, type StartPosition } from '../inspect/start-position';

// The planning and the move itself live in @tracking/kafka (group-replay), shared with the console's replay.
export { clampOffset, planMoves, type PartitionMove, type ReplayPartitionState as PartitionState, type ReplayStart } from '@tracking/kafka';

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
