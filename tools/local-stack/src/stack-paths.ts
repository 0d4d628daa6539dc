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
  /** The local S3 server (S3Proxy): its buckets and objects under `buckets/`, its configuration. */
  s3: string;
  /**
   * Where S3Proxy's jars are resolved (one `libs-<version>` directory per release); its own field,
   * like kafkaLibs, so that a second stack directory can reuse the jars already resolved.
   */
  s3Libs: string;
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
    // Not `s3`: that is where s3rver, the stack's S3 server before S3Proxy, kept its own layout.
    s3: join(dir, 's3proxy'),
    s3Libs: join(dir, 's3proxy'),
    dist: join(root, 'dist'),
  };
}
