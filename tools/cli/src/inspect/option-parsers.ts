import { InvalidArgumentError } from 'commander';
import { parseStartPosition, type StartPosition } from './start-position';

/** commander argument parser: a whole number of at least 1. */
export function positiveInteger(raw: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return value;
}

/** commander argument parser for --from: beginning, end, an ISO time or an offset. */
export function startPosition(raw: string): StartPosition {
  try {
    return parseStartPosition(raw);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}
