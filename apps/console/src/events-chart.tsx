import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { MinutePoint } from './api';

const ACCEPTED = '#1f7a4d';
const REJECTED = '#b3261e';

/** uPlot wants column arrays: minutes, then one array per series. */
function columns(points: MinutePoint[]): uPlot.AlignedData {
  return [points.map((point) => point.minute), points.map((point) => point.accepted), points.map((point) => point.rejected)];
}

/**
 * Events per minute, accepted and rejected, as a uPlot line chart. The canvas is drawn once and fed
 * new data on every refresh; its width follows its container (the page must work at 390 px wide).
 * uPlot styles through the CSSOM (element.style), which the console's CSP allows.
 */
export function EventsChart({ points }: { points: MinutePoint[] }) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const width = () => Math.max(280, element.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height: 260,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(5, max * 1.1)] } },
        // Wider tick spacing than uPlot's default keeps the time labels apart at 390 px.
        axes: [{ space: 80 }, { label: 'events / minute', size: 56 }],
        series: [
          {},
          { label: 'Accepted', stroke: ACCEPTED, width: 2, fill: 'rgba(31,122,77,0.08)', points: { show: false } },
          { label: 'Rejected', stroke: REJECTED, width: 2, points: { show: false } },
        ],
        legend: { live: false },
      },
      columns([]),
      element,
    );
    chart.current = plot;
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: 260 }));
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

  return <div class="chart" ref={host} />;
}
