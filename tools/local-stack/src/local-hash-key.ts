import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackPaths } from './stack-paths';

/**
 * The gateway's TRACKING_HASH_KEY for the local stack: made once and kept in the stack directory,
 * so hashes and event ids stay the same across restarts of `npm start`, and `tracking backfill`
 * can use the same key.
 */
export function localHashKey(paths: StackPaths): string {
  const file = join(paths.stackDir, 'secrets', 'tracking-hash-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(join(paths.stackDir, 'secrets'), { recursive: true, mode: 0o700 });
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}
