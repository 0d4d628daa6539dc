import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ConsumingService } from '@tracking/contracts';

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

/** Apps that own a database schema, in the order their migrations run (each has a `migrate` entry). */
export const MIGRATING_APPS = ['vault-loader', 'gateway', 'automation-trigger'] as const;

export interface ServiceSpec {
  name: string;
  /** Compiled entry point, relative to dist/. */
  entry: string;
  /** Environment variable that sets its HTTP port, and the default port. */
  portVariable: string;
  port: number;
  /** For consuming services: the variable naming its consumer group, and the group's key in CONSUMER_GROUPS. */
  consumer?: { groupVariable: string; key: ConsumingService };
}

/** The platform's services, consumers first (npm start starts them in this order; tracking replay runs consumers). */
export const SERVICES: readonly ServiceSpec[] = [
  { name: 'vault-loader', entry: 'apps/vault-loader/src/main.js', portVariable: 'VAULT_LOADER_PORT', port: 3001, consumer: { groupVariable: 'VAULT_LOADER_GROUP_ID', key: 'vaultLoader' } },
  { name: 'automation-trigger', entry: 'apps/automation-trigger/src/main.js', portVariable: 'AUTOMATION_TRIGGER_PORT', port: 3002, consumer: { groupVariable: 'AUTOMATION_TRIGGER_GROUP_ID', key: 'automationTrigger' } },
  { name: 'exporter', entry: 'apps/exporter/src/main.js', portVariable: 'EXPORTER_PORT', port: 3003, consumer: { groupVariable: 'EXPORTER_GROUP_ID', key: 'exporter' } },
  { name: 'gateway', entry: 'apps/gateway/src/main.js', portVariable: 'PORT', port: 3000 },
];
