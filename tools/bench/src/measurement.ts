import type { BenchContext } from './bench-context';
import type { BenchRow } from './results';

/** One part of the benchmark: it starts what it measures, measures it and its baseline, and stops it again. */
export interface Measurement {
  /** Short name for `--only`, e.g. "gateway-bulk". */
  name: string;
  run(context: BenchContext): Promise<BenchRow[]>;
}
