/** Where `tail` starts reading each partition (`--from`). */
export type StartPosition =
  | { kind: 'beginning' }
  | { kind: 'end' }
  /** The first record at or after this time (epoch milliseconds), by the broker's timestamp index. */
  | { kind: 'timestamp'; at: number }
  /** The same offset in every partition, clamped to what the partition still holds. */
  | { kind: 'offset'; offset: number };

/** An ISO 8601 date or date-time; Date.parse alone would also accept "5" or "March 3". */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export function parseStartPosition(raw: string): StartPosition {
  const value = raw.trim();
  const lower = value.toLowerCase();
  if (lower === 'beginning' || lower === 'earliest') return { kind: 'beginning' };
  if (lower === 'end' || lower === 'latest') return { kind: 'end' };
  if (/^\d+$/.test(value)) {
    const offset = Number(value);
    if (!Number.isSafeInteger(offset)) throw new Error(`offset ${value} is too large`);
    return { kind: 'offset', offset };
  }
  if (ISO_TIME.test(value)) {
    const at = Date.parse(value);
    if (!Number.isNaN(at)) return { kind: 'timestamp', at };
  }
  throw new Error(`"${raw}" is not beginning, end, an ISO time (2026-11-22T10:00:00Z) or an offset`);
}

export interface PartitionWatermarks {
  partition: number;
  /** First offset still in the log. */
  low: number;
  /** Offset the next record will get: the end. */
  high: number;
}

export interface PartitionRange {
  partition: number;
  start: number;
  /** End offset when reading started: `--until-end` stops here. */
  end: number;
}

/**
 * First offset to read per partition. `byTimestamp` holds the broker's answer for a timestamp
 * position (kafkajs already turns "no record that late" into the end offset).
 */
export function startOffsets(
  position: StartPosition,
  watermarks: readonly PartitionWatermarks[],
  byTimestamp: ReadonlyMap<number, number> = new Map(),
): PartitionRange[] {
  return watermarks.map(({ partition, low, high }) => {
    const clamp = (offset: number): number => Math.min(Math.max(offset, low), high);
    switch (position.kind) {
      case 'beginning':
        return { partition, start: low, end: high };
      case 'end':
        return { partition, start: high, end: high };
      case 'offset':
        return { partition, start: clamp(position.offset), end: high };
      case 'timestamp':
        return { partition, start: clamp(byTimestamp.get(partition) ?? high), end: high };
    }
  });
}
