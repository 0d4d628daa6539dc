import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess, portOpen, waitUntil } from './process-control';
import type { Progress } from './progress';
import type { StackPaths } from './stack-paths';
import type { StackSettings } from './stack-settings';

/** The project's Confluent-compatible registry (tools/schema-registry), storing schemas in Kafka. */
export class LocalSchemaRegistry {
  readonly process: ManagedProcess;

  constructor(
    private readonly paths: StackPaths,
    private readonly settings: StackSettings['registry'],
    private readonly kafkaBootstrap: string | string[],
    private readonly progress: Progress,
    /** Client settings towards a secured cluster and the registry's own basic auth, asked for when it starts or is probed. */
    private readonly access: () => { env: Record<string, string>; basicAuth?: { username: string; password: string } } = () => ({ env: {} }),
  ) {
    this.process = new ManagedProcess('schema-registry', paths.run, join(paths.logs, 'schema-registry.log'));
  }

  get url(): string {
    return `http://${this.settings.host}:${this.settings.port}`;
  }

  async up(): Promise<'started' | 'running'> {
    if (this.process.pid() !== undefined && (await this.answers())) return 'running';
    if (await portOpen(this.settings.host, this.settings.port)) {
      throw new Error(`port ${this.settings.port} is taken by a process this stack did not start; stop it or set SCHEMA_REGISTRY_PORT`);
    }
    const entry = join(this.paths.dist, 'tools', 'schema-registry', 'src', 'main.js');
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
    this.progress.step(`schema-registry: starting on ${this.url}`);
    this.process.start(process.execPath, [entry], {
      cwd: this.paths.root,
      env: {
        ...process.env,
        KAFKA_BROKERS: [this.kafkaBootstrap].flat().join(','),
        ...this.access().env,
        SCHEMA_REGISTRY_HOST: this.settings.host,
        SCHEMA_REGISTRY_PORT: String(this.settings.port),
        SCHEMA_REGISTRY_TOPIC: this.settings.topic,
      },
    });
    await waitUntil('schema registry', () => this.answers(), { timeoutMs: 60_000, process: this.process });
    return 'started';
  }

  down(): Promise<boolean> {
    return this.process.stop(10_000);
  }

  async answers(): Promise<boolean> {
    try {
      const auth = this.access().basicAuth;
      const headers: Record<string, string> = auth ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` } : {};
      const response = await fetch(`${this.url}/subjects`, { headers, signal: AbortSignal.timeout(1000) });
      return response.ok;
    } catch {
      return false;
    }
  }
}
