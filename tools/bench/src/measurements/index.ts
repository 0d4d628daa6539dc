import type { Measurement } from '../measurement';
import { AUTOMATION } from './automation';
import { BROKER } from './broker';
import { END_TO_END } from './end-to-end';
import { EXPORTER } from './exporter';
import { GATEWAY_BULK } from './gateway-bulk';
import { GATEWAY_SINGLE } from './gateway-single';
import { PRODUCERS } from './producers';
import { REPLAY } from './replay';
import { SOAK } from './soak';
import { VAULT } from './vault';

/** In the order they run: producers first (they need nothing but the broker), then the services. */
export const MEASUREMENTS: readonly Measurement[] = [
  BROKER,
  PRODUCERS,
  GATEWAY_BULK,
  GATEWAY_SINGLE,
  END_TO_END,
  // Consumer measurements (one per line; add new ones below).
  VAULT,
  EXPORTER,
  AUTOMATION,
  SOAK,
  REPLAY,
];
