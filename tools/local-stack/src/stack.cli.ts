import { LocalStack } from './local-stack';
import { loadStackSettings } from './stack-settings';

const USAGE = `usage: stack <command>

  up         start Kafka, the schema registry, PostgreSQL (embedded unless DATABASE_URL is set),
             Redis (the machine's own when one answers on 6379, unless REDIS_URL is set) and an
             S3 server on 4568 (unless S3_ENDPOINT is set), then create topics, register schemas
             and create the example customers' s3_export buckets; what already runs is left as it is
  down [component...]
             stop kafka, schema-registry, postgres, redis (only one the stack started) and s3, or
             only those named (data stays in .local/)
  status     show each component, its address and pid
  provision  create or update topics and register schemas only
`;

async function main(command: string | undefined, components: string[]): Promise<number> {
  const stack = new LocalStack(loadStackSettings(process.env));
  switch (command) {
    case 'up': {
      const { connection, started } = await stack.up();
      // One JSON line on stdout for scripts (the test setup reads it); progress goes to stderr.
      process.stdout.write(`${JSON.stringify({ ...connection, started })}\n`);
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
