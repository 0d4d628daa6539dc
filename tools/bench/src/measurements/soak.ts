import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOPICS } from '@tracking/contracts';
import { createConsumerGroup } from '../consumer-run';
import { endOffsets, recordsToGo } from '../kafka-positions';
import { pacedSend, transportErrorCount } from '../load/paced-sender';
import type { Measurement } from '../measurement';
import { formatNumber, type BenchRow } from '../results';
import type { ServiceProcess } from '../service-process';
import { benchDatabase, singleEventGateway } from './gateway';
import { END_TO_END_RATE, pipelineMaximum, steadyRate } from './end-to-end';

const MIB = 1024 * 1024;
const SAMPLE_MS = 5_000;
const GROWTH_TARGET_PERCENT = 10;
const PEAK_TARGET_MIB = 256;

/** Linux's current resident memory of a process, in bytes; 0 once it is gone. */
function currentRss(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * All four services under the end-to-end rate (measured here if the end-to-end run did not run) for the profile's soak time (ten minutes in the full
 * run): each service's resident memory after the first tenth of the run (a minute of ten), at the end,
 * and its peak. Growth after warm-up is what a leak looks like; the peak is what a container limit must hold.
 */
export const SOAK: Measurement = {
  name: 'soak',
  async run(context): Promise<BenchRow[]> {
    const databaseUrl = await benchDatabase(context);
    let { gateway, request } = await singleEventGateway(context);
    const suffix = `bench-soak-${Date.now()}`;
    // The end-to-end measurement's rate when it ran; otherwise measured the same way here. Not a
    // share of the gateway alone: with the three consumers beside it on the same cores, 40% of that
    // is more than the pipeline sustains, and the soak would measure a backlog, not a steady state.
    let rate = context.memoized<number>(END_TO_END_RATE);
    if (rate === undefined) {
      const group = `vault-loader-${suffix}-maximum`;
      await createConsumerGroup(context, group, await endOffsets(context.admin, TOPICS.trackingEvents), [TOPICS.trackingAudit]);
      const loader = await context.services.start('vault-loader', { ...context.serviceEnv(databaseUrl), VAULT_LOADER_GROUP_ID: group });
      // At least 10 s at saturation: the catch-up after it is a fixed cost that a shorter run overstates.
      const seconds = Math.max(request.seconds, 10);
      context.progress(`soak: the whole pipeline's maximum, gateway at saturation with the loader beside it, ${seconds} s`);
      try {
        rate = steadyRate(await pipelineMaximum(context, { ...request, seconds }, group));
      } finally {
        await loader.stop();
        await context.admin.deleteGroups([group]).catch(() => undefined);
      }
      // A fresh gateway, so that its peak is the soak's and not that of the saturation run.
      await gateway.stop();
      ({ gateway, request } = await singleEventGateway(context));
    }
    const rateSource = "the end-to-end rate (40% of the whole pipeline's maximum)";

    const from = await endOffsets(context.admin, TOPICS.trackingEvents);
    const services: ServiceProcess[] = [gateway];
    const groups = new Map<string, string>();
    for (const [service, groupVariable] of [
      ['vault-loader', 'VAULT_LOADER_GROUP_ID'],
      ['automation-trigger', 'AUTOMATION_TRIGGER_GROUP_ID'],
      ['exporter', 'EXPORTER_GROUP_ID'],
    ] as const) {
      const groupId = `${service}-${suffix}`;
      groups.set(service, groupId);
      await createConsumerGroup(context, groupId, from, service === 'vault-loader' ? [TOPICS.trackingAudit] : []);
      services.push(await context.services.start(service, { ...context.serviceEnv(databaseUrl), [groupVariable]: groupId }));
    }

    const seconds = context.profile.soakSeconds;
    const warmUpMs = (seconds * 1000) / 10;
    const startedAt = Date.now();
    const afterWarmUp = new Map<string, number>();
    let unanswered = 0;
    const sampler = setInterval(() => {
      if (Date.now() - startedAt < warmUpMs) return;
      for (const service of services) if (!afterWarmUp.has(service.name)) afterWarmUp.set(service.name, currentRss(service.pid));
    }, Math.min(SAMPLE_MS, warmUpMs / 2));
    context.progress(`soak: ${formatNumber(rate)} events/s (${rateSource}) through all four services for ${seconds} s`);
    try {
      const sent = await pacedSend({ ...request, rate, seconds, outFile: join(context.workDir, 'soak-acks.tsv') });
      if (sent.failed > 0) throw new Error(`soak: the gateway refused ${sent.failed} of ${sent.sent} requests`);
      // A memory measurement survives a few requests lost on the way; the rows say how many.
      unanswered = transportErrorCount(sent);
      if (unanswered > sent.sent / 1000) throw new Error(`soak: ${unanswered} of ${sent.sent} requests got no answer: ${JSON.stringify(sent.transportErrors)}`);
      if (unanswered > 0) context.progress(`soak: ${unanswered} requests got no answer: ${JSON.stringify(sent.transportErrors)}`);
    } finally {
      clearInterval(sampler);
    }
    // What each consumer had not committed when the load stopped: a steady state leaves a few
    // batches' worth, a rate above what the pipeline sustains leaves a backlog that grew all along.
    const to = await endOffsets(context.admin, TOPICS.trackingEvents);
    const behind = new Map<string, string>();
    for (const [service, groupId] of groups) behind.set(service, Number(await recordsToGo(context.admin, groupId, TOPICS.trackingEvents, to)).toLocaleString('en-US'));
    return services.flatMap((service): BenchRow[] => {
      const warm = afterWarmUp.get(service.name) ?? 0;
      const end = currentRss(service.pid);
      const peak = service.peakRssBytes();
      const what = `memory, ${formatNumber(seconds / 60)}-minute soak at ${formatNumber(rate)} events/s: ${service.name}`;
      return [
        {
          what: `${what}, growth after the first ${formatNumber(warmUpMs / 1000)} s`,
          figure: { value: warm > 0 ? ((end - warm) / warm) * 100 : Number.NaN, unit: '%' },
          target: { kind: 'at-most', value: GROWTH_TARGET_PERCENT, unit: '%' },
          details: { 'MiB after warm-up': formatNumber(warm / MIB), 'MiB at the end': formatNumber(end / MIB), rate: rateSource, 'requests without an answer': String(unanswered), ...(behind.has(service.name) ? { 'records behind at the end': behind.get(service.name) ?? '' } : {}) },
        },
        { what: `${what}, peak`, figure: { value: peak / MIB, unit: 'MiB peak RSS' }, target: { kind: 'at-most', value: PEAK_TARGET_MIB, unit: 'MiB' } },
      ];
    });
  },
};
