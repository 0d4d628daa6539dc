import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

export interface StackUpOutput {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  databaseUrl: string;
  redisUrl: string;
  s3Endpoint: string;
  started: string[];
  /** A secured stack's client settings (KAFKA_SSL_CA_FILE, KAFKA_SASL_*, SCHEMA_REGISTRY_USERNAME, ...), when it gives them. */
  clientEnv?: Record<string, string>;
}

/**
 * The test setup drives the stack through the same compiled commands a user runs (npm test builds
 * them first), rather than importing the tool: Jest loads global setup outside its module mapper.
 */
async function node(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'dist', script), ...args], { env, maxBuffer: 8 * 1024 * 1024 });
  process.stderr.write(stderr);
  return stdout;
}

export async function stackUp(): Promise<StackUpOutput> {
  const stdout = await node('tools/local-stack/src/stack.cli.js', ['up']);
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as StackUpOutput;
}

export async function stackDown(components: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await node('tools/local-stack/src/stack.cli.js', ['down', ...components], env);
}

/** Runs every app's migrations on a database: `npm run migrate`'s entry, which `npm start` uses too. */
export async function migrateAll(databaseUrl: string): Promise<void> {
  await node('tools/local-stack/src/migrate-all.js', [], { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' });
}
