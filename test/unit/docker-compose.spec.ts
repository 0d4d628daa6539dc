import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { EnvReader, readKafkaSettings, readRegistrySettings, type Env, type ServiceSettings } from '@tracking/config';
import { loadGatewayConfig } from '@apps/gateway/config/gateway.config';
import { loadVaultLoaderConfig } from '@apps/vault-loader/config/vault-loader.config';
import { loadAutomationTriggerConfig } from '@apps/automation-trigger/config/automation-trigger.config';
import { loadExporterConfig } from '@apps/exporter/config/exporter.config';
import { exampleBuckets } from '@tools/local-stack/example-buckets';

/*
 * No Docker engine runs where this project is built and tested, so docker-compose.yml is checked
 * here: each service's own config loader runs on the environment Compose would give it (with
 * deploy/compose.env.example standing in for .env), and what the loaders return is held against
 * the servers the file starts. A setting an app starts to require, or a name the file misspells,
 * fails this test without anyone keeping a list of settings.
 */

const ROOT = join(__dirname, '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

type Environment = Record<string, string | number | boolean>;

interface ComposeService {
  image?: string;
  build?: string;
  command?: string[];
  entrypoint?: string[];
  hostname?: string;
  environment?: Environment;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[] };
  ports?: string[];
  volumes?: string[];
  restart?: string;
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const COMPOSE_TEXT = read('docker-compose.yml');
// Compose interpolates values, not comments (the header's example command has awk's $1 in it).
const COMPOSE_VALUES_TEXT = COMPOSE_TEXT.split('\n')
  .filter((line) => !/^\s*#/.test(line))
  .join('\n');
// yaml resolves the `<<` merge keys, so each service below is seen as Compose sees it.
const compose = parse(COMPOSE_TEXT, { merge: true }) as ComposeFile;
const services = compose.services;

/** KEY=VALUE lines of the committed example, the stand-in for the user's .env. */
function readEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined) values[match[1]] = match[2] ?? '';
  }
  return values;
}
const ENV_EXAMPLE = readEnvFile(read('deploy/compose.env.example'));

/** Compose's interpolation: ${NAME}, ${NAME:?message}, ${NAME:-default}, and $$ for a literal $. */
function interpolate(value: string, where: string): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (match, name: string | undefined, operator: string | undefined, argument: string | undefined) => {
    if (match === '$$' || name === undefined) return '$';
    const value = ENV_EXAMPLE[name];
    if (value !== undefined && value !== '') return value;
    if (operator === ':-' || operator === '-') return argument ?? '';
    throw new Error(`${where} refers to \${${name}}, which deploy/compose.env.example does not set`);
  });
}

function environmentOf(name: string): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries(services[name]?.environment ?? {})) {
    environment[key] = interpolate(String(value), `${name}.environment.${key}`);
  }
  return environment;
}

const SERVICE_OF_ENTRY = (service: ComposeService): string | undefined => /^dist\/apps\/([^/]+)\/src\/main\.js$/.exec(service.command?.[1] ?? '')?.[1];

type Loader = (env: Env, cwd?: string) => ServiceSettings & { adminTokenSha256?: Buffer };
const LOADERS: Record<string, { loader: Loader; name: string }> = {
  gateway: { loader: loadGatewayConfig, name: loadGatewayConfig.name },
  'vault-loader': { loader: loadVaultLoaderConfig, name: loadVaultLoaderConfig.name },
  'automation-trigger': { loader: loadAutomationTriggerConfig, name: loadAutomationTriggerConfig.name },
  exporter: { loader: loadExporterConfig, name: loadExporterConfig.name },
};
const APPS = readdirSync(join(ROOT, 'apps')).filter((app) => existsSync(join(ROOT, 'apps', app, 'src', 'main.ts')));

const BROKERS = Object.keys(services).filter((name) => services[name]?.command?.includes('/opt/deploy/start-broker.sh'));
const ONE_SHOTS = Object.keys(services).filter((name) => services[name]?.restart === 'no');

/** The named volume mounted at the start of `path` in a service, if any. */
function volumeHolding(service: ComposeService, path: string): string | undefined {
  for (const volume of service.volumes ?? []) {
    const [source = '', target = ''] = volume.split(':');
    if (!source.startsWith('.') && !source.startsWith('/') && path.startsWith(`${target}/`)) return source;
  }
  return undefined;
}

describe('docker-compose.yml', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'compose-spec-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /**
   * The service's environment as Compose gives it, with every file a setting names (the CA under
   * /certs) replaced by a local stand-in after checking that a volume of the service holds it and
   * the `certs` service writes it.
   */
  function appEnvironment(name: string): Record<string, string> {
    const environment = environmentOf(name);
    for (const [key, path] of Object.entries(environment)) {
      if (!key.endsWith('_FILE')) continue;
      const service = services[name] ?? {};
      const volume = volumeHolding(service, path);
      expect({ setting: `${name} ${key}`, volume }).toEqual({ setting: `${name} ${key}`, volume: 'certs' });
      expect(read('deploy/kafka/make-certs.sh')).toContain(basename(path));
      const standIn = join(scratch, `${name}-${basename(path)}`);
      writeFileSync(standIn, `-----BEGIN CERTIFICATE-----\nstand-in for ${path}\n-----END CERTIFICATE-----\n`);
      environment[key] = standIn;
    }
    return environment;
  }

  describe('files', () => {
    it('interpolates only variables that deploy/compose.env.example sets, and nothing by accident', () => {
      for (const match of COMPOSE_VALUES_TEXT.replace(/\$\$/g, '').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)) {
        expect({ variable: match[1], inExample: match[1] !== undefined && match[1] in ENV_EXAMPLE }).toEqual({ variable: match[1], inExample: true });
      }
      // A bare $NAME is interpolated by Compose too; commands that mean the container's variable write $$NAME.
      expect(COMPOSE_VALUES_TEXT.replace(/\$\$/g, '').match(/\$(?!\{)[A-Za-z_]/g)).toBeNull();
    });

    it('keeps the real .env out of git', () => {
      const ignored = read('.gitignore').split('\n');
      expect(ignored).toEqual(expect.arrayContaining(['.env', 'deploy/compose.env']));
    });

    it('writes no secret literally: every password, key and token is a ${VAR} from .env', () => {
      const secretName = /PASSWORD|SECRET|TOKEN|HASH_KEY|CREDENTIAL|ACCESS_KEY|IDENTITY|AUTH$/;
      for (const [name, service] of Object.entries(services)) {
        for (const [key, value] of Object.entries(service.environment ?? {})) {
          const text = String(value);
          if (secretName.test(key)) expect({ setting: `${name}.${key}`, value: text }).toEqual({ setting: `${name}.${key}`, value: expect.stringMatching(/^\$\{[A-Z0-9_]+(:\?[^}]*)?\}$/) });
          for (const password of text.matchAll(/password="?([^";\s]*)/g)) expect(password[1]).toMatch(/^\$\{/);
          const userinfo = /^[a-z]+:\/\/[^:/@]*:([^@]*)@/.exec(text);
          if (userinfo) expect(userinfo[1]).toMatch(/^\$\{[A-Z0-9_]+(:\?[^}]*)?\}$/);
        }
      }
      const deployScripts = ['deploy/kafka/make-certs.sh', 'deploy/kafka/start-broker.sh', 'deploy/schema-registry/start.sh'].map(read).join('\n');
      for (const [name, value] of Object.entries(ENV_EXAMPLE)) {
        if (name.endsWith('CLUSTER_ID')) continue;
        expect({ name, inCompose: COMPOSE_TEXT.includes(value), inScripts: deployScripts.includes(value) }).toEqual({ name, inCompose: false, inScripts: false });
      }
    });
  });

  describe('images and health', () => {
    it('pins every image to a version, never latest', () => {
      for (const [name, service] of Object.entries(services)) {
        if (service.build !== undefined) {
          expect({ name, image: service.image }).toEqual({ name, image: 'tracking-platform:local' });
          continue;
        }
        expect({ name, image: service.image }).toEqual({ name, image: expect.stringMatching(/^[a-z0-9./-]+:[a-z0-9-]*\d+\.\d+(\.\d+)?$/) });
        expect(service.image).not.toMatch(/:latest$/);
      }
    });

    it('runs Kafka 4.3.1, a Confluent registry, PostgreSQL, Redis and the S3 server the local stack runs', () => {
      expect(BROKERS).toEqual(['kafka-1', 'kafka-2', 'kafka-3']);
      for (const broker of BROKERS) expect(services[broker]?.image).toBe('apache/kafka:4.3.1');
      expect(services['schema-registry']?.image).toMatch(/^confluentinc\/cp-schema-registry:\d+\.\d+\.\d+$/);
      expect(services['postgres']?.image).toMatch(/^postgres:\d+\.\d+$/);
      expect(services['redis']?.image).toMatch(/^redis:\d+\.\d+\.\d+$/);
      const s3proxyVersion = /<s3proxy\.version>([^<]+)</.exec(read('tools/local-stack/s3proxy/pom.xml'))?.[1];
      expect(services['s3']?.image).toBe(`andrewgaul/s3proxy:s3proxy-${s3proxyVersion}`);
    });

    it('gives every long-running service a healthcheck, and waits for one-shot services to complete', () => {
      expect(ONE_SHOTS.sort()).toEqual(['buckets', 'certs', 'provision']);
      for (const [name, service] of Object.entries(services)) {
        if (ONE_SHOTS.includes(name)) continue;
        expect({ name, hasHealthcheck: (service.healthcheck?.test?.length ?? 0) > 1 }).toEqual({ name, hasHealthcheck: true });
        expect({ name, restart: service.restart }).toEqual({ name, restart: 'unless-stopped' });
      }
      for (const oneShot of ONE_SHOTS) {
        const waiters = Object.values(services).filter((service) => service.depends_on?.[oneShot]?.condition === 'service_completed_successfully');
        expect({ oneShot, waiters: waiters.length > 0 }).toEqual({ oneShot, waiters: true });
      }
    });

    it('starts a service only after what it depends on is healthy or complete', () => {
      for (const [name, service] of Object.entries(services)) {
        for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
          const expected = ONE_SHOTS.includes(dependency) ? 'service_completed_successfully' : 'service_healthy';
          expect({ edge: `${name} -> ${dependency}`, condition }).toEqual({ edge: `${name} -> ${dependency}`, condition: expected });
        }
      }
    });
  });

  describe('the Kafka cluster', () => {
    const script = read('deploy/kafka/start-broker.sh');

    it('is three KRaft nodes, replicated three ways with min.insync.replicas 2, reached only over SASL_SSL', () => {
      expect(script).toContain(`controller.quorum.voters=${BROKERS.map((broker, index) => `${index + 1}@${broker}:9093`).join(',')}`);
      expect(script).toMatch(/^default\.replication\.factor=3$/m);
      expect(script).toMatch(/^min\.insync\.replicas=2$/m);
      expect(script).toMatch(/^offsets\.topic\.replication\.factor=3$/m);
      expect(script).toMatch(/^listener\.security\.protocol\.map=INTERNAL:SASL_SSL,EXTERNAL:SASL_SSL,CONTROLLER:SSL$/m);
      expect(script).toMatch(/^sasl\.enabled\.mechanisms=SCRAM-SHA-512$/m);
      BROKERS.forEach((broker, index) => {
        const environment = environmentOf(broker);
        expect(environment['NODE_ID']).toBe(String(index + 1));
        expect(services[broker]?.hostname).toBe(broker);
        expect(services[broker]?.depends_on?.['certs']?.condition).toBe('service_completed_successfully');
        expect(volumeHolding(services[broker] ?? {}, '/etc/kafka/secrets/ca.pem')).toBe('certs');
      });
    });

    it('creates, when formatting, the SCRAM users that the services and the registry log in as', () => {
      for (const user of ['broker', 'tracking', 'schema-registry']) expect(script).toContain(`SCRAM-SHA-512=[name=${user},`);
    });

    it('makes its certificates in the volume that every client reads the CA from', () => {
      const certs = services['certs'] ?? {};
      expect(certs.command).toEqual(['bash', '/opt/deploy/make-certs.sh']);
      expect(volumeHolding(certs, '/etc/kafka/secrets/ca.pem')).toBe('certs');
      const makeCerts = read('deploy/kafka/make-certs.sh');
      expect(script).toContain('host="kafka-${NODE_ID}"');
      expect(script).toContain('ssl.keystore.location=${secrets}/${host}.p12');
      expect(makeCerts).toContain('kafka-%g.p12');
      expect(makeCerts).toContain('dns:$name,dns:localhost');
    });
  });

  describe('the schema registry', () => {
    it('stores its schemas in the cluster over SASL_SSL and answers only with basic auth', () => {
      const registry = environmentOf('schema-registry');
      const broker = environmentOf('kafka-1');
      expect(registry['SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS']).toBe(BROKERS.map((name) => `SASL_SSL://${name}:9092`).join(','));
      expect(registry['SCHEMA_REGISTRY_KAFKASTORE_SECURITY_PROTOCOL']).toBe('SASL_SSL');
      expect(registry['SCHEMA_REGISTRY_KAFKASTORE_SASL_MECHANISM']).toBe('SCRAM-SHA-512');
      expect(registry['SCHEMA_REGISTRY_KAFKASTORE_SASL_JAAS_CONFIG']).toContain(`username="schema-registry" password="${broker['REGISTRY_PASSWORD']}";`);
      expect(volumeHolding(services['schema-registry'] ?? {}, registry['SCHEMA_REGISTRY_KAFKASTORE_SSL_TRUSTSTORE_LOCATION'] ?? '')).toBe('certs');
      expect(registry['SCHEMA_REGISTRY_AUTHENTICATION_METHOD']).toBe('BASIC');
      expect(read('deploy/schema-registry/start.sh')).toContain(`${registry['SCHEMA_REGISTRY_AUTHENTICATION_REALM']} {`);
    });
  });

  describe.each(APPS)('%s', (app) => {
    const [name, service] = Object.entries(services).find(([, candidate]) => SERVICE_OF_ENTRY(candidate) === app) ?? [app, undefined];
    const { loader, name: loaderName } = LOADERS[app] ?? { loader: undefined, name: '' };

    it('is built from this repository and starts the entry that reads its settings with the loader run here', () => {
      expect(service?.build).toBe('.');
      expect(loader).toBeDefined();
      expect(read(`apps/${app}/src/main.ts`)).toContain(`${loaderName}(process.env)`);
      expect(service?.depends_on?.['provision']?.condition).toBe('service_completed_successfully');
    });

    it('gets every setting its config loader requires, and they reach the servers this file starts', () => {
      if (!service || !loader) throw new Error(`no compose service runs apps/${app}`);
      const environment = appEnvironment(name);
      const config = loader(environment, ROOT);
      const broker = environmentOf('kafka-1');

      expect(config.host).toBe('0.0.0.0');
      expect(config.kafka.brokers).toEqual(BROKERS.map((broker) => `${broker}:9092`));
      expect(config.kafka.tls?.ca).toContain('BEGIN CERTIFICATE');
      expect(config.kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'tracking', password: broker['TRACKING_PASSWORD'] });

      const registry = environmentOf('schema-registry');
      const registryUrl = new URL(config.registry.url);
      expect(registryUrl.hostname).toBe('schema-registry');
      expect(registry['SCHEMA_REGISTRY_LISTENERS']).toBe(`${registryUrl.protocol}//0.0.0.0:${registryUrl.port}`);
      expect(config.registry.basicAuth).toEqual({ username: registry['REGISTRY_USER'], password: registry['REGISTRY_PASSWORD'] });

      expect(config.adminTokenSha256).toBeDefined();
      // The healthcheck asks the port the service really listens on.
      expect(service.healthcheck?.test?.join(' ')).toContain(`http://127.0.0.1:${config.port}/readyz`);
      expect(service.volumes).toContain('certs:/certs:ro');

      const databaseUrl = (config as { databaseUrl?: string }).databaseUrl;
      if (databaseUrl !== undefined) {
        const postgres = environmentOf('postgres');
        const url = new URL(databaseUrl);
        expect({ host: url.hostname, user: url.username, password: url.password, database: url.pathname }).toEqual({
          host: 'postgres',
          user: postgres['POSTGRES_USER'],
          password: postgres['POSTGRES_PASSWORD'],
          database: `/${postgres['POSTGRES_DB']}`,
        });
        expect(service.depends_on?.['postgres']?.condition).toBe('service_healthy');
      }
    });
  });

  describe('service by service', () => {
    it('gives the gateway its hash key, the shared Redis with its password, and publishes its port', () => {
      const config = loadGatewayConfig(appEnvironment('gateway'), ROOT);
      expect(config.hashKey.toString('utf8')).toBe(environmentOf('gateway')['TRACKING_HASH_KEY']);
      const redis = new URL(config.rateLimits.redisUrl ?? '');
      expect({ host: redis.hostname, password: redis.password }).toEqual({ host: 'redis', password: environmentOf('redis')['REDISCLI_AUTH'] });
      expect(services['gateway']?.ports).toContain(`${config.port}:${config.port}`);
      expect(services['gateway']?.depends_on?.['redis']?.condition).toBe('service_healthy');
    });

    it('points the exporter at the S3 server, whose access key it signs with', () => {
      const config = loadExporterConfig(appEnvironment('exporter'), ROOT);
      const s3 = environmentOf('s3');
      expect(config.s3Endpoint).toBe(s3['S3PROXY_ENDPOINT']?.replace('0.0.0.0', 's3'));
      expect(s3['S3PROXY_AUTHORIZATION']).toBe('aws-v2-or-v4');
      expect(services['exporter']?.depends_on?.['buckets']?.condition).toBe('service_completed_successfully');
    });

    it('creates, before the exporter starts, every bucket the example customers export to', () => {
      const found = exampleBuckets(join(ROOT, 'example-customers/configurations'));
      expect(found.problems).toEqual([]);
      const buckets = environmentOf('buckets');
      expect((buckets['S3_BUCKETS'] ?? '').split(/\s+/).filter(Boolean).sort()).toEqual(found.buckets);
      expect(buckets['S3_ENDPOINT']).toBe(environmentOf('exporter')['S3_ENDPOINT']);
      expect({ key: buckets['AWS_ACCESS_KEY_ID'], secret: buckets['AWS_SECRET_ACCESS_KEY'] }).toEqual({
        key: environmentOf('s3')['S3PROXY_IDENTITY'],
        secret: environmentOf('s3')['S3PROXY_CREDENTIAL'],
      });
    });

    it('provisions topics and schemas with the services\' own connection settings, once the cluster and the registry are healthy', () => {
      const provision = services['provision'] ?? {};
      expect(provision.command).toEqual(['node', 'dist/tools/local-stack/src/provision.cli.js']);
      expect(existsSync(join(ROOT, 'tools/local-stack/src/provision.cli.ts'))).toBe(true);
      for (const dependency of [...BROKERS, 'schema-registry']) expect(provision.depends_on?.[dependency]?.condition).toBe('service_healthy');
      const reader = new EnvReader('provision', appEnvironment('provision'));
      const kafka = readKafkaSettings(reader, 'provisioning');
      const registry = readRegistrySettings(reader);
      reader.done();
      expect(kafka.sasl?.mechanism).toBe('scram-sha-512');
      expect(kafka.tls?.ca).toBeDefined();
      expect(registry.basicAuth?.username).toBe('tracking');
    });
  });

  describe('example customers', () => {
    /** `{ env: NAME }` references anywhere in a document, and `secret_env` names (one or a list). */
    function envReferences(document: unknown, found: Set<string>): Set<string> {
      if (Array.isArray(document)) document.forEach((item) => envReferences(item, found));
      else if (typeof document === 'object' && document !== null) {
        const entries = Object.entries(document);
        for (const [key, value] of entries) {
          if (key === 'env' && entries.length === 1 && typeof value === 'string') found.add(value);
          else if (key === 'secret_env') [value].flat().forEach((name) => typeof name === 'string' && found.add(name));
          else envReferences(value, found);
        }
      }
      return found;
    }

    const customersDir = join(ROOT, 'example-customers/configurations');
    const files = readdirSync(customersDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((entry) => readdirSync(join(customersDir, entry.name)).filter((file) => file.endsWith('.yaml')).map((file) => join(entry.name, file)));

    /** Which services read the references of which part: s3_export is the exporter's, automations.yaml the trigger's, anything else everyone's. */
    function referencesByReader(file: string, document: unknown): Array<{ readers: string[]; names: Set<string> }> {
      if (file.endsWith('automations.yaml')) return [{ readers: ['automation-trigger'], names: envReferences(document, new Set()) }];
      if (typeof document !== 'object' || document === null || Array.isArray(document)) return [{ readers: APPS, names: envReferences(document, new Set()) }];
      const { s3_export: s3Export, ...rest } = document as Record<string, unknown>;
      return [
        { readers: ['exporter'], names: envReferences(s3Export, new Set()) },
        { readers: APPS, names: envReferences(rest, new Set()) },
      ];
    }

    it.each(files)('%s: every environment variable it names is set for the services that read it', (file) => {
      for (const { readers, names } of referencesByReader(file, parse(readFileSync(join(customersDir, file), 'utf8')))) {
        for (const reader of readers) {
          const environment = environmentOf(reader);
          for (const name of names) expect({ reader, name, set: (environment[name] ?? '') !== '' }).toEqual({ reader, name, set: true });
        }
      }
    });

    it('names, in the examples, the S3 key that the exporter is given', () => {
      const names = files.flatMap((file) => referencesByReader(file, parse(readFileSync(join(customersDir, file), 'utf8'))).flatMap(({ names }) => [...names]));
      expect(names).toEqual(expect.arrayContaining(['LOCAL_S3_ACCESS_KEY_ID', 'LOCAL_S3_SECRET_ACCESS_KEY']));
    });
  });
});
