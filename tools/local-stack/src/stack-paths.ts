import { join, resolve } from 'node:path';
import { repositoryRoot } from '@tracking/services';

export interface StackPaths {
  root: string;
  /** Everything the stack writes: data, logs, pid files. Ignored by git. */
  stackDir: string;
  logs: string;
  run: string;
  kafka: string;
  /**
   * Where the Kafka jars are resolved (one `libs-<version>` directory per release). Its own field so
   * that a second stack directory, such as a fault drill's broker, can reuse the jars already resolved.
   */
  kafkaLibs: string;
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
    kafkaLibs: join(dir, 'kafka'),
    postgres: join(dir, 'postgres'),
    s3: join(dir, 's3'),
    dist: join(root, 'dist'),
  };
}
