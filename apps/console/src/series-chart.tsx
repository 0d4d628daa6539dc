import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One line (or set of bars) of a chart: a label, its colour, a value per x. */
export interface ChartSeries {
  label: string;
  color: string;
  values: number[];
}

interface Props {
  /** Seconds since the epoch, one per value of every series. */
  x: number[];
  series: ChartSeries[];
  yLabel: string;
  /** Draw bars instead of lines (counts per hour read better as bars). */
  bars?: boolean;
  height?: number;
}

/**
 * A time chart of a few series, drawn by uPlot, for the pages whose data is not the Overview's
 * minutes (Analytics per day, Exports per hour). The chart is rebuilt when the set of series
 * changes (uPlot fixes series at creation) and fed new data otherwise; its width follows its
 * container so it fits 390 px. uPlot styles through the CSSOM, which the console's CSP allows.
 */
export function SeriesChart({ x, series, yLabel, bars = false, height = 240 }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const shape = series.map((line) => `${line.label}:${line.color}`).join('|');
  const data = (): uPlot.AlignedData => [x, ...series.map((line) => line.values)];

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const width = () => Math.max(280, element.clientWidth);
    const barPaths = bars ? uPlot.paths.bars?.({ size: [0.8, 40], align: 0 }) : undefined;
    const plot = new uPlot(
      {
        width: width(),
        height,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.1))] } },
        axes: [{ space: 80 }, { label: yLabel, size: 56 }],
        series: [
          {},
          ...series.map((line) => ({
            label: line.label,
            stroke: line.color,
            width: bars ? 1 : 2,
            fill: bars ? `${line.color}aa` : undefined,
            points: { show: false },
            ...(barPaths ? { paths: barPaths } : {}),
          })),
        ],
        legend: { live: false },
      },
      data(),
      element,
    );
    chart.current = plot;
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
      chart.current = null;
    };
    // Rebuilt only when the series themselves change; data changes go through setData below.
  }, [shape, bars, height, yLabel]);

  useEffect(() => {
    chart.current?.setData(data());
  }, [x, series]);

  return <div class="chart" ref={host} />;
}
