import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../cli-error';
import { compareByAge, formatOfName, resolveInputFiles } from './input-files';

describe(formatOfName.name, () => {
  it.each([
    ['events.jsonl', 'jsonl'],
    ['events.NDJSON.gz', 'jsonl'],
    ['history-2024.csv.gz', 'csv'],
    ['access.log', 'access-log'],
    ['access.log.3.gz', 'access-log'],
    ['www_access_log', 'access-log'],
    ['notes.txt', undefined],
  ])('%s is %s', (name, format) => {
    expect(formatOfName(name)).toBe(format);
  });
});

describe(resolveInputFiles.name, () => {
  it('reads a directory as its files oldest first, without hidden files, subdirectories or earlier rejects', () => {
    const dir = mkdtempSync(join(tmpdir(), 'backfill-inputs-'));
    for (const name of ['b.log', 'a.log.gz', '.hidden.log', 'a.log.gz.rejects.jsonl']) writeFileSync(join(dir, name), 'x');
    mkdirSync(join(dir, 'sub.log'));
    expect(resolveInputFiles([dir], undefined)).toEqual([
      { path: join(dir, 'a.log.gz'), size: 1, gzip: true, format: 'access-log' },
      { path: join(dir, 'b.log'), size: 1, gzip: false, format: 'access-log' },
    ]);
  });

  it("reads logrotate's files oldest first: .10 before .2 before the current file", () => {
    const names = ['access.log', 'access.log.1', 'access.log.10.gz', 'access.log.2.gz', 'error.log', '2024-11-01.csv', '2024-10-31.csv'];
    expect([...names].sort(compareByAge)).toEqual(['2024-10-31.csv', '2024-11-01.csv', 'access.log.10.gz', 'access.log.2.gz', 'access.log.1', 'access.log', 'error.log']);
  });

  it('says what is wrong with a path before anything is read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'backfill-inputs-'));
    writeFileSync(join(dir, 'notes.txt'), 'x');
    expect(() => resolveInputFiles([join(dir, 'missing.csv')], undefined)).toThrow(new CliError(`${join(dir, 'missing.csv')} does not exist`));
    expect(() => resolveInputFiles([join(dir, 'notes.txt')], undefined)).toThrow(/cannot tell the format/);
    expect(resolveInputFiles([join(dir, 'notes.txt')], 'jsonl')).toMatchObject([{ format: 'jsonl' }]);
    mkdirSync(join(dir, 'empty'));
    expect(() => resolveInputFiles([join(dir, 'empty')], undefined)).toThrow(/holds no files/);
  });
});
