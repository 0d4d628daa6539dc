import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository root, found from this module whether it runs from the sources or from dist/. */
export function repositoryRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'tools', 'local-stack'))) return dir;
    if (dirname(dir) === dir) throw new Error(`repository root not found above ${__dirname}`);
  }
}

export interface StackPaths {
  root: string;
  /** Everything the stack writes: data, logs, pid files. Ignored by git. */
  stackDir: string;
  logs: string;
  run: string;
  kafka: string;
  postgres: string;
  /** The local S3 server's buckets and objects. */
  s3: string;
  /** Compiled entry points of the repository (npm run build). */
  dist: string;
}

export function stackPaths(stackDir?: string): StackPaths {
  const root = repositoryRoot();
  const dir = resolve(root, stackDir ?? '.local');
  return {
    root,
    stackDir: dir,
    logs: join(dir, 'logs'),
    run: join(dir, 'run'),
    kafka: join(dir, 'kafka'),
    postgres: join(dir, 'postgres'),
    s3: join(dir, 's3'),
    dist: join(root, 'dist'),
  };
}

/** Apps that own a database schema, in the order their migrations run (each has a `migrate` entry). */
export const MIGRATING_APPS = ['vault-loader', 'gateway', 'automation-trigger'] as const;
