import type { ConsumingService } from '@tracking/contracts';

/** One service of the platform, as the tools that start it (npm start, tracking replay, the bench) see it. */
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

export type ConsumingServiceSpec = ServiceSpec & Required<Pick<ServiceSpec, 'consumer'>>;

/** The platform's services, consumers first (npm start starts them in this order; tracking replay runs consumers). */
export const SERVICES: readonly ServiceSpec[] = [
  { name: 'vault-loader', entry: 'apps/vault-loader/src/main.js', portVariable: 'VAULT_LOADER_PORT', port: 3001, consumer: { groupVariable: 'VAULT_LOADER_GROUP_ID', key: 'vaultLoader' } },
  { name: 'automation-trigger', entry: 'apps/automation-trigger/src/main.js', portVariable: 'AUTOMATION_TRIGGER_PORT', port: 3002, consumer: { groupVariable: 'AUTOMATION_TRIGGER_GROUP_ID', key: 'automationTrigger' } },
  { name: 'exporter', entry: 'apps/exporter/src/main.js', portVariable: 'EXPORTER_PORT', port: 3003, consumer: { groupVariable: 'EXPORTER_GROUP_ID', key: 'exporter' } },
  { name: 'gateway', entry: 'apps/gateway/src/main.js', portVariable: 'PORT', port: 3000 },
];

export const CONSUMING_SERVICES: readonly ConsumingServiceSpec[] = SERVICES.filter((service): service is ConsumingServiceSpec => service.consumer !== undefined);

/** Apps that own a database schema, in the order their migrations run. */
export const MIGRATING_APPS = ['vault-loader', 'gateway', 'automation-trigger'] as const;

export type MigratingApp = (typeof MIGRATING_APPS)[number];

/**
 * Node options of every service process. V8 lets the young generation of Node 24 grow to 2 × 64 MiB
 * under a steady allocation rate, and every busy service has one; at 2 × 16 MiB (Node 18's default)
 * each service's resident memory is about 100 MiB lower (docs/benchmark-findings.md, "Memory").
 */
export const SERVICE_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=16'];

/** Environment every service process starts with unless set otherwise: glibc's malloc keeps at most two arenas, so memory freed by one thread is not kept apart for it. */
export const SERVICE_PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/**
 * The environment a service process is started with, the one place where its runtime settings are
 * defined for npm start, tracking replay and the bench (the image sets the same in the Dockerfile,
 * which service-catalogue.spec.ts checks): SERVICE_PROCESS_ENV under the given environment, and
 * SERVICE_NODE_OPTIONS before the given NODE_OPTIONS (so an operator's own option wins).
 */
export function serviceProcessEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const nodeOptions = [...SERVICE_NODE_OPTIONS, env['NODE_OPTIONS'] ?? ''].join(' ').trim();
  return { ...SERVICE_PROCESS_ENV, ...env, NODE_OPTIONS: nodeOptions };
}

/** The compiled migration entry of an app, relative to dist/. */
export function migrationEntry(app: MigratingApp): string {
  return `apps/${app}/src/migrate.js`;
}
