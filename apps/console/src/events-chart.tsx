import type uPlot from 'uplot';
import { useMemo } from 'preact/hooks';
import type { MinutePoint } from './api';
import { useUplot } from './uplot-host';

const ACCEPTED = '#1f7a4d';
const REJECTED = '#b3261e';

const options = () => ({
  scales: { x: { time: true }, y: { range: (_u: unknown, _min: number, max: number): [number, number] => [0, Math.max(5, max * 1.1)] } },
  // Wider tick spacing than uPlot's default keeps the time labels apart at 390 px.
  axes: [{ space: 80 }, { label: 'events / minute', size: 56 }],
  series: [
    {},
    { label: 'Accepted', stroke: ACCEPTED, width: 2, fill: 'rgba(31,122,77,0.08)', points: { show: false } },
    { label: 'Rejected', stroke: REJECTED, width: 2, points: { show: false } },
  ],
  legend: { live: false },
});

/** Events per minute, accepted and rejected, as a uPlot line chart fed new data on every refresh. */
export function EventsChart({ points }: { points: MinutePoint[] }) {
  // uPlot wants column arrays: minutes, then one array per series.
  const data = useMemo((): uPlot.AlignedData => [points.map((point) => point.minute), points.map((point) => point.accepted), points.map((point) => point.rejected)], [points]);
  return <div class="chart" ref={useUplot(options, 260, data, 'events')} />;
}
