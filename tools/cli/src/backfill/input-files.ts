import { readdirSync, statSync, type Stats } from 'node:fs';
import { basename, join } from 'node:path';
import { CliError } from '../cli-error';

export const INPUT_FORMATS = ['jsonl', 'csv', 'access-log'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export interface InputFile {
  path: string;
  /** Bytes on disk (compressed for .gz): what the progress bar counts. */
  size: number;
  gzip: boolean;
  format: InputFormat;
}

/** Written by this command; a directory read again must not take a previous run's rejects for input. */
export const REJECTS_SUFFIX = '.rejects.jsonl';

/** The format a file name implies: `.jsonl`/`.ndjson`, `.csv`, `.log` (also rotated `.log.1`), each optionally `.gz`. */
export function formatOfName(name: string): InputFormat | undefined {
  const plain = name.toLowerCase().replace(/\.gz$/, '');
  if (/\.(jsonl|ndjson)$/.test(plain)) return 'jsonl';
  if (plain.endsWith('.csv')) return 'csv';
  if (/\.log(\.\d+)?$/.test(plain) || /(^|[._-])access[._-]?log/.test(plain)) return 'access-log';
  return undefined;
}

function statOf(path: string): Stats {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `${path} does not exist` : `cannot read ${path}: ${(error as Error).message}`, 'Pass files or directories of history to backfill.');
  }
}

/** `access.log.3.gz` -> stem `access.log`, rotation 3; `access.log` -> rotation -1 (the current file, newest). */
function rotationOf(path: string): { stem: string; rotation: number } {
  const match = /^(.*)\.(\d+)(\.gz)?$/.exec(path);
  return match ? { stem: match[1] as string, rotation: Number(match[2]) } : { stem: path.replace(/\.gz$/, ''), rotation: -1 };
}

/**
 * Oldest first, which sessions need (a visit is cut after 30 minutes without a request, so reading a
 * newer file first would split it): logrotate's `.N` suffixes count backwards in time (`.10` before
 * `.2` before the current file); other names (dates) sort as text.
 */
export function compareByAge(a: string, b: string): number {
  const [left, right] = [rotationOf(a), rotationOf(b)];
  if (left.stem !== right.stem) return left.stem < right.stem ? -1 : 1;
  return right.rotation - left.rotation;
}

/** A directory stands for every file directly in it. */
function filesOf(path: string): string[] {
  const stats = statOf(path);
  if (stats.isFile()) return [path];
  if (!stats.isDirectory()) throw new CliError(`${path} is neither a file nor a directory`);
  const names = readdirSync(path, { withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.') && !entry.name.endsWith(REJECTS_SUFFIX))
    .map((entry) => entry.name);
  if (names.length === 0) throw new CliError(`${path} holds no files to backfill`);
  return names.map((name) => join(path, name));
}

/** The files to read, each with its format (given, or from its name) and size; fails before anything is read. */
export function resolveInputFiles(paths: readonly string[], format: InputFormat | undefined): InputFile[] {
  return paths.flatMap(filesOf).sort(compareByAge).map((path) => {
    const detected = format ?? formatOfName(basename(path));
    if (!detected) {
      throw new CliError(`cannot tell the format of ${path} from its name`, `Name it .jsonl, .csv or .log (optionally .gz), or pass --format ${INPUT_FORMATS.join('|')}.`);
    }
    return { path, size: statOf(path).size, gzip: path.toLowerCase().endsWith('.gz'), format: detected };
  });
}
