import { join } from 'node:path';
import { startNodeServer } from '../child-node';
import type { BenchContext } from '../bench-context';
import type { HttpLoadRequest } from '../load/http-load';
import type { Measurement } from '../measurement';
import { ratioRow, type BenchRow } from '../results';
import type { DurableBaselineSettings } from '../load/durable-fastify.server';
import { BENCH_CUSTOMER } from '../bench-customer';
import { GATEWAY_PRODUCER, assertAllAccepted, authHeaders, benchCustomerToken, benchDatabase, singleBodiesFile, startBenchGateway, warmedLoad } from './gateway';

const CONNECTIONS = 32;

/** Single events through the whole gateway at saturation, for the latency run and the end-to-end run's rate. */
export function gatewaySingleSaturation(context: BenchContext, request: Omit<HttpLoadRequest, 'url'> & { url: string }): Promise<number> {
  return context.memo('gateway-single-saturation', async () => {
    const result = await warmedLoad(request);
    assertAllAccepted('gateway single events', result);
    return result.ok / result.seconds;
  });
}

/**
 * Single-event requests: the gateway's saturation throughput against two baselines over the same
 * connections and bodies (a bare Fastify route answering 202, and the minimal durable gateway, which
 * also awaits Kafka's acknowledgement of the same records), then its latency at half that rate.
 */
export const GATEWAY_SINGLE: Measurement = {
  name: 'gateway-single',
  async run(context): Promise<BenchRow[]> {
    const token = await benchCustomerToken(context);
    const bodiesFile = singleBodiesFile(context);
    const request = { path: '/api/v1/track', headers: authHeaders(token), bodiesFile, connections: CONNECTIONS, seconds: context.profile.httpSeconds };

    context.progress(`bare Fastify: single events, ${CONNECTIONS} connections, ${request.seconds} s`);
    const bare = await startNodeServer(join(__dirname, '..', 'load', 'bare-fastify.server.js'));
    const baseline = await warmedLoad({ ...request, url: bare.url }).finally(() => bare.stop());
    assertAllAccepted('bare Fastify', baseline);

    context.progress(`minimal durable gateway: single events, ${CONNECTIONS} connections, ${request.seconds} s`);
    const settings: DurableBaselineSettings = {
      brokers: context.connection.kafkaBrokers,
      registryUrl: context.connection.schemaRegistryUrl,
      customersDir: context.customersDir,
      customerId: BENCH_CUSTOMER,
      hashKey: context.hashKey,
      bodiesFile,
      ...GATEWAY_PRODUCER,
    };
    const durableServer = await startNodeServer(join(__dirname, '..', 'load', 'durable-fastify.server.js'), [JSON.stringify(settings)]);
    const durable = await warmedLoad({ ...request, url: durableServer.url }).finally(() => durableServer.stop());
    assertAllAccepted('minimal durable gateway', durable);

    const gateway = await startBenchGateway(context, await benchDatabase(context));
    context.progress(`gateway: single events at saturation, ${CONNECTIONS} connections, ${request.seconds} s`);
    const saturation = await gatewaySingleSaturation(context, { ...request, url: gateway.url });
    const half = Math.max(1, Math.round(saturation / 2));
    context.progress(`gateway: single events at ${half} req/s (half of saturation)`);
    const steady = await warmedLoad({ ...request, url: gateway.url, overallRate: half });
    assertAllAccepted('gateway single events at half rate', steady);
    return [
      ratioRow(
        `gateway, single events (${CONNECTIONS} connections)`,
        { value: saturation, unit: 'req/s at saturation' },
        { value: baseline.ok / baseline.seconds, unit: 'req/s', what: 'bare Fastify route answering 202 to the same bodies' },
        { kind: 'ratio-at-least', value: 0.55 },
      ),
      ratioRow(
        `gateway, single events (${CONNECTIONS} connections)`,
        { value: saturation, unit: 'req/s at saturation' },
        { value: durable.ok / durable.seconds, unit: 'req/s', what: 'minimal durable gateway: bare Fastify route awaiting the same Avro records through the same coalescing acks=all producer' },
        { kind: 'ratio-at-least', value: 0.8 },
      ),
      {
        what: `gateway, single events at half of saturation (${half} req/s)`,
        figure: { value: steady.latencyMs.p99, unit: 'ms p99' },
        target: { kind: 'at-most', value: 20, unit: 'ms' },
        details: { 'p50 ms': String(steady.latencyMs.p50), 'p90 ms': String(steady.latencyMs.p90), 'achieved req/s': String(Math.round(steady.ok / steady.seconds)) },
      },
    ];
  },
};
