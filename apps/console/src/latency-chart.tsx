import type uPlot from 'uplot';
import { useMemo } from 'preact/hooks';
import type { LatencyPoint } from './api/operator';
import { useUplot } from './uplot-host';

const P50 = '#0b5cad';
const P99 = '#8a5a00';

const options = () => ({
  scales: { x: { time: true }, y: { range: (_u: unknown, _min: number, max: number | null): [number, number] => [0, Math.max(5, (max ?? 0) * 1.1)] } },
  axes: [{ space: 80 }, { label: 'ms', size: 56 }],
  series: [{}, { label: 'p50', stroke: P50, width: 2, spanGaps: false }, { label: 'p99', stroke: P99, width: 2, dash: [6, 4], spanGaps: false }],
  legend: { live: false },
});

/**
 * The gateway's p50 and p99 per minute (milliseconds), as a uPlot line chart: minutes without
 * requests are gaps, not zeros.
 */
export function LatencyChart({ points }: { points: LatencyPoint[] }) {
  const data = useMemo((): uPlot.AlignedData => [points.map((point) => point.minute), points.map((point) => point.p50), points.map((point) => point.p99)], [points]);
  return <div class="chart latency-chart" ref={useUplot(options, 220, data, 'latency')} />;
}
