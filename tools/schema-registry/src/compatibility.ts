import type * as avro from 'avsc';

export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';

export function parseCompatibilityLevel(value: unknown): CompatibilityLevel | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.toUpperCase();
  return (COMPATIBILITY_LEVELS as readonly string[]).includes(upper) ? (upper as CompatibilityLevel) : undefined;
}

/** Whether data written with `writer` can be read with `reader`, by Avro's schema resolution (avsc's resolver). */
function canRead(reader: avro.Type, writer: avro.Type): string | undefined {
  try {
    reader.createResolver(writer);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Checks a candidate schema against the previous versions (oldest first) under a level and
 * returns the reasons it is incompatible; empty means compatible.
 */
export function incompatibilities(level: CompatibilityLevel, candidate: avro.Type, previous: readonly avro.Type[]): string[] {
  if (level === 'NONE' || previous.length === 0) return [];
  const transitive = level.endsWith('_TRANSITIVE');
  const against = transitive ? previous : previous.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const problems: string[] = [];
  for (const earlier of against) {
    const readsOld = backward ? canRead(candidate, earlier) : undefined;
    if (readsOld) problems.push(`new schema cannot read data written with an earlier one (${readsOld})`);
    const oldReadsNew = forward ? canRead(earlier, candidate) : undefined;
    if (oldReadsNew) problems.push(`an earlier schema cannot read data written with the new one (${oldReadsNew})`);
  }
  return problems;
}
