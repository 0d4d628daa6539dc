import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { LatencyPoint } from './api/operator';

const P50 = '#0b5cad';
const P99 = '#8a5a00';

function columns(points: LatencyPoint[]): uPlot.AlignedData {
  return [points.map((point) => point.minute), points.map((point) => point.p50), points.map((point) => point.p99)];
}

/**
 * The gateway's p50 and p99 per minute (milliseconds), as a uPlot line chart: minutes without
 * requests are gaps, not zeros. Width follows the container, like the events chart.
 */
export function LatencyChart({ points }: { points: LatencyPoint[] }) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const width = () => Math.max(280, element.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height: 220,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(5, (max ?? 0) * 1.1)] } },
        axes: [{ space: 80 }, { label: 'ms', size: 56 }],
        series: [{}, { label: 'p50', stroke: P50, width: 2, spanGaps: false }, { label: 'p99', stroke: P99, width: 2, dash: [6, 4], spanGaps: false }],
        legend: { live: false },
      },
      columns([]),
      element,
    );
    chart.current = plot;
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: 220 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setData(columns(points));
  }, [points]);

  return <div class="chart latency-chart" ref={host} />;
}
