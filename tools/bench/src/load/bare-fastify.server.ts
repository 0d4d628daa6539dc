import Fastify from 'fastify';

/**
 * The single-event baseline: a bare Fastify route that parses the same JSON bodies and answers 202,
 * run as its own process like the gateway. The gateway's figure over this one is what validation,
 * authentication, rate limiting, privacy rules, Avro and Kafka's acknowledgement cost.
 */
async function main(): Promise<void> {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  app.post('/api/v1/track', async (_request, reply) => reply.code(202).send({ success: true }));
  app.post('/api/v1/track/bulk', async (_request, reply) => reply.code(202).send({ success: true }));
  const address = await app.listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 0) });
  process.stdout.write(`${address}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bare-fastify: ${String(error)}\n`);
  process.exit(1);
});
