import type { DrillCase, Generator, World } from './drill-case';
import { bulk, collect, health, keys, protocol, publicRoute, read, singleEvent, trackingConfig, unknownRoute } from './gateway-generators';
import { Prng } from './prng';
import { automationTrigger, consumerPublicRoute, exporter, vaultLoader } from './service-generators';

/** Weights: how many of every hundred requests go where. Every generator is used in rotation, so each one is reached. */
const GATEWAY_GENERATORS: Array<[number, Generator]> = [
  [13, singleEvent('/api/v1/track')],
  [6, singleEvent('/api/v1/track/async')],
  [9, bulk],
  [12, collect],
  [8, keys],
  [3, read('/api/v1/track/status')],
  [3, read('/api/v1/track/dashboard')],
  [4, read('/api/v1/tracking/analytics')],
  [3, read('/api/v1/tracking/analytics/export')],
  [5, trackingConfig],
  [5, health],
  [4, publicRoute],
  [5, unknownRoute],
  [7, protocol],
];
const CONSUMER_GENERATORS: Array<[number, Generator]> = [
  [4, vaultLoader],
  [5, automationTrigger],
  [4, exporter],
  [1, consumerPublicRoute('vault-loader')],
  [1, consumerPublicRoute('automation-trigger')],
  [1, consumerPublicRoute('exporter')],
];

/** The drill's requests: `size` of them, the same for the same seed and world. */
export function corpus(seed: number, size: number, world: World): DrillCase[] {
  const rng = new Prng(seed);
  const slots = [...GATEWAY_GENERATORS, ...CONSUMER_GENERATORS].flatMap(([weight, generator]) => Array.from({ length: weight }, () => generator));
  // Interleaved rather than grouped, so no endpoint gets its share in one burst.
  const order = slots.map((generator, i) => ({ generator, key: (i * 7919) % slots.length })).sort((x, y) => x.key - y.key).map(({ generator }) => generator);
  return Array.from({ length: size }, (_, index) => (order[index % order.length] as Generator)(rng, world, index));
}
