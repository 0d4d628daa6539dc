import type { Measurement } from '../measurement';
import { ratioRow, type BenchRow } from '../results';
import { assertAllAccepted, authHeaders, benchCustomerToken, benchDatabase, bulkBodiesFile, startBenchGateway, warmedLoad } from './gateway';
import { kafkajsProducerRate } from './producers';

const EVENTS_PER_REQUEST = 200;
const CONNECTIONS = 8;

/** Bulk requests of 200 events through the whole gateway, against a bare producer of the same records. */
export const GATEWAY_BULK: Measurement = {
  name: 'gateway-bulk',
  async run(context): Promise<BenchRow[]> {
    const baseline = await kafkajsProducerRate(context);
    const token = await benchCustomerToken(context);
    const gateway = await startBenchGateway(context, await benchDatabase(context));
    context.progress(`gateway bulk: ${EVENTS_PER_REQUEST} events/request, ${CONNECTIONS} connections, ${context.profile.httpSeconds} s`);
    const result = await warmedLoad({
      url: gateway.url,
      path: '/api/v1/track/bulk',
      headers: authHeaders(token),
      bodiesFile: bulkBodiesFile(context, EVENTS_PER_REQUEST),
      connections: CONNECTIONS,
      seconds: context.profile.httpSeconds,
    });
    assertAllAccepted('gateway bulk', result);
    const eventsPerSecond = (result.ok * EVENTS_PER_REQUEST) / result.seconds;
    return [
      ratioRow(
        `gateway, bulk (${EVENTS_PER_REQUEST} events/request, ${CONNECTIONS} connections)`,
        { value: eventsPerSecond, unit: 'events/s acked' },
        { value: baseline, unit: 'records/s', what: 'bare kafkajs producer, same Avro records, batches of 500' },
        { kind: 'ratio-at-least', value: 0.7 },
        { 'p50 ms': String(result.latencyMs.p50), 'p99 ms': String(result.latencyMs.p99) },
      ),
    ];
  },
};
