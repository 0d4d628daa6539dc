import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The repository root (where package.json and dist/ are), found by walking up from this module, so
 * the same code works from the sources (tests) and from the compiled tree in dist/.
 */
export function repositoryRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`repository root not found above ${__dirname}`);
  }
}
