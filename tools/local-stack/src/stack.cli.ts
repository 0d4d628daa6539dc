import { LocalStack } from './local-stack';
import { loadStackSettings } from './stack-settings';

const USAGE = `usage: stack <command>

  up         start Kafka, the schema registry, PostgreSQL (embedded unless DATABASE_URL is set),
             Redis (the machine's own when one answers on 6379, unless REDIS_URL is set) and an
             S3 server on 4568 (unless S3_ENDPOINT is set), then create topics, register schemas
             and create the example customers' s3_export buckets; what already runs is left as it
             is. Writes the client settings to <STACK_DIR>/stack.env (shell syntax).
             STACK_KAFKA_BROKERS=3: three brokers and a controller; STACK_KAFKA_SECURITY=sasl_ssl:
             TLS and SCRAM-SHA-512 on every broker, basic auth on the registry
  down [component...]
             stop kafka (every node; or one: kafka-1, kafka-2, ... kafka-controller of a cluster),
             schema-registry, postgres, redis (only one the stack started) and s3, or only those
             named (data stays in .local/)
  status     show each component, its address and pid
  provision  create or update topics and register schemas only
`;

async function main(command: string | undefined, components: string[]): Promise<number> {
  const stack = new LocalStack(loadStackSettings(process.env));
  switch (command) {
    case 'up': {
      const { connection, started, stackEnvFile } = await stack.up();
      // One JSON line on stdout for scripts (the test setup reads it); progress goes to stderr.
      // Passwords stay in stack.env (mode 0600), never on stdout.
      const { kafkaSecurity, registryAuth, ...addresses } = connection;
      const secured = { kafkaSsl: kafkaSecurity !== undefined, kafkaSslCaFile: kafkaSecurity?.caFile, registryAuth: registryAuth !== undefined };
      process.stdout.write(`${JSON.stringify({ ...addresses, ...secured, stackEnvFile, started })}\n`);
      return 0;
    }
    case 'down':
      await stack.down(components.length > 0 ? components : undefined);
      return 0;
    case 'status': {
      const statuses = await stack.status();
      for (const status of statuses) {
        process.stdout.write(`${status.name.padEnd(16)} ${status.state.padEnd(12)} ${status.address}${status.pid ? `  pid ${status.pid}` : ''}\n`);
      }
      return statuses.every((status) => status.state === 'running' || status.state === 'external') ? 0 : 3;
    }
    case 'provision':
      await stack.provision();
      return 0;
    default:
      process.stderr.write(USAGE);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

main(process.argv[2], process.argv.slice(3)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`stack: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
