import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { CONSUMER_GROUPS, TOPICS } from '@tracking/contracts';
import { RAW_EVENTS } from '@tracking/vault-schema';
import { sleep } from '@tools/local-stack/process-control';
import { createConsumerGroup, waitForCommits } from '../consumer-run';
import { endOffsets } from '../kafka-positions';
import { httpLoad, type HttpLoadRequest } from '../load/http-load';
import { pacedSend, transportErrorCount } from '../load/paced-sender';
import type { BenchContext } from '../bench-context';
import type { Measurement } from '../measurement';
import type { BenchRow } from '../results';
import { assertAllAccepted, benchDatabase, singleEventGateway } from './gateway';
import { gatewaySingleSaturation } from './gateway-single';

/** How long the vault may take to catch up with what was acknowledged before a run counts as failed. */
const CATCH_UP_MS = 120_000;

const SHARE_OF_MAXIMUM = 0.4;
/** Memo key of the rate the steady run used (the soak runs at it too). */
export const END_TO_END_RATE = 'end-to-end-rate';
const CHANNEL = 'bench_loaded';

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/**
 * The whole pipeline's sustainable maximum in events/s: the gateway driven at saturation with the
 * vault loader (running in `group`, from the topic's end) beside it, over the time until the loader
 * had committed all it acknowledged (gateway and loader share the cores, as they do in production on
 * one box). The end-to-end run and the soak run at SHARE_OF_MAXIMUM of it.
 */
export async function pipelineMaximum(context: BenchContext, request: HttpLoadRequest, group: string): Promise<number> {
  // A short unmeasured run first, so the loader has joined its group and both JITs are warm: from
  // a cold loader a few seconds of load measured mostly its start (59 events/s in a --quick soak).
  await httpLoad({ ...request, seconds: 2 });
  await waitForCommits(context, group, await endOffsets(context.admin, TOPICS.trackingEvents), 'pipeline maximum, warm-up: vault loader');
  const startedAt = performance.timeOrigin + performance.now();
  const saturation = await httpLoad(request);
  assertAllAccepted('gateway at saturation with the loader running', saturation);
  // Done when the loader has committed everything on the topic: counting rows would not do, since
  // identical bodies sent in the same millisecond are one event by the gateway's deterministic id.
  await waitForCommits(context, group, await endOffsets(context.admin, TOPICS.trackingEvents), 'pipeline maximum: vault loader');
  return saturation.ok / ((performance.timeOrigin + performance.now() - startedAt) / 1000);
}

/** The steady rate of the end-to-end run and the soak: SHARE_OF_MAXIMUM of the pipeline's maximum. */
export function steadyRate(maximum: number): number {
  return Math.max(1, Math.round(maximum * SHARE_OF_MAXIMUM));
}

/**
 * From the gateway's acknowledgement to the event's row in the vault, at a steady 40% of the whole
 * pipeline's sustainable maximum: first the gateway is driven at saturation with the loader running
 * beside it, and the maximum is the events acknowledged over the time until the loader had committed
 * all of them (gateway and loader share the cores, as they do in production on one box). A trigger on
 * the raw table notifies at commit (the loader writes all of an event's vault rows in one
 * transaction), so "loaded" is when the row became visible.
 */
export const END_TO_END: Measurement = {
  name: 'end-to-end',
  async run(context): Promise<BenchRow[]> {
    const databaseUrl = await benchDatabase(context);
    const { request } = await singleEventGateway(context);
    const gatewayMaximum = await gatewaySingleSaturation(context, request);

    const group = `${CONSUMER_GROUPS.vaultLoader}-bench-e2e-${Date.now()}`;
    await createConsumerGroup(context, group, await endOffsets(context.admin, TOPICS.trackingEvents), [TOPICS.trackingAudit]);
    const listener = new Client({ connectionString: databaseUrl });
    await listener.connect();
    const loadedAt = new Map<string, number>();
    listener.on('notification', (message) => {
      if (message.payload) loadedAt.set(message.payload, performance.timeOrigin + performance.now());
    });
    const waitForLoaded = async (ids: readonly string[]): Promise<number> => {
      const deadline = Date.now() + CATCH_UP_MS;
      while (ids.some((id) => !loadedAt.has(id)) && Date.now() < deadline) await sleep(100);
      return ids.filter((id) => !loadedAt.has(id)).length;
    };
    try {
      await listener.query(`
        CREATE OR REPLACE FUNCTION public.bench_notify_loaded() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_notify('${CHANNEL}', NEW.${RAW_EVENTS.column.event_id}); RETURN NULL; END $$;
        DROP TRIGGER IF EXISTS bench_loaded ON ${RAW_EVENTS.table};
        CREATE TRIGGER bench_loaded AFTER INSERT ON ${RAW_EVENTS.table} FOR EACH ROW EXECUTE FUNCTION public.bench_notify_loaded();
        LISTEN ${CHANNEL};`);
      await context.services.start('vault-loader', { ...context.serviceEnv(databaseUrl), VAULT_LOADER_GROUP_ID: group });

      context.progress(`end to end: the whole pipeline's maximum, gateway at saturation with the loader beside it, ${request.seconds} s`);
      loadedAt.clear();
      const maximum = await pipelineMaximum(context, request, group);
      const rate = await context.memo(END_TO_END_RATE, () => Promise.resolve(steadyRate(maximum)));
      loadedAt.clear();

      context.progress(`end to end: ${rate} events/s (${SHARE_OF_MAXIMUM * 100}% of the pipeline's ${Math.round(maximum)} events/s) for ${context.profile.latencySeconds} s`);
      const outFile = join(context.workDir, 'end-to-end-acks.tsv');
      const sent = await pacedSend({ ...request, rate, seconds: context.profile.latencySeconds, outFile });
      const acked = readFileSync(outFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [id = '', sentAt, ackedAt] = line.split('\t');
          return { id, sentAt: Number(sentAt), ackedAt: Number(ackedAt) };
        });
      const ids = acked.map((event) => event.id);
      const missing = await waitForLoaded(ids);
      const unanswered = transportErrorCount(sent);
      if (missing > 0 || sent.failed > 0 || unanswered > 0) {
        throw new Error(`end to end: ${sent.failed} of ${sent.sent} requests refused, ${unanswered} unanswered (${JSON.stringify(sent.transportErrors)}), ${missing} acknowledged events not in the vault within ${CATCH_UP_MS / 1000} s`);
      }
      // Measured from when the request was sent: an upper bound of "from the acknowledgement" that
      // does not depend on how soon the sender's busy event loop reads the answer (on a loaded
      // machine the row can become visible before the sender has read the 200).
      const fromSend = acked.map((event) => (loadedAt.get(event.id) ?? 0) - event.sentAt).sort((a, b) => a - b);
      const fromAck = acked.map((event) => (loadedAt.get(event.id) ?? 0) - event.ackedAt).sort((a, b) => a - b);
      return [
        {
          what: `end to end, request sent → vault row (upper bound of ack → row), at ${rate} events/s (${SHARE_OF_MAXIMUM * 100}% of the whole pipeline's maximum)`,
          figure: { value: percentile(fromSend, 99), unit: 'ms p99' },
          target: { kind: 'at-most', value: 1000, unit: 'ms' },
          details: {
            'p50 ms': percentile(fromSend, 50).toFixed(0),
            'ack → row p50/p99 ms': `${percentile(fromAck, 50).toFixed(0)}/${percentile(fromAck, 99).toFixed(0)}`,
            events: String(ids.length),
            'pipeline maximum events/s': Math.round(maximum).toLocaleString('en-US'),
            'gateway alone req/s': Math.round(gatewayMaximum).toLocaleString('en-US'),
          },
        },
      ];
    } finally {
      await listener.query(`DROP TRIGGER IF EXISTS bench_loaded ON ${RAW_EVENTS.table}`).catch(() => undefined);
      await listener.end();
    }
  },
};
