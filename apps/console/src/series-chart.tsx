import { useMemo } from 'preact/hooks';
import uPlot from 'uplot';
import { useUplot } from './uplot-host';

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
 * changes (uPlot fixes series at creation) and fed new data otherwise.
 */
export function SeriesChart({ x, series, yLabel, bars = false, height = 240 }: Props) {
  const shape = `${bars}|${yLabel}|${series.map((line) => `${line.label}:${line.color}`).join('|')}`;
  const data = useMemo((): uPlot.AlignedData => [x, ...series.map((line) => line.values)], [x, series]);
  const barPaths = bars ? uPlot.paths.bars?.({ size: [0.8, 40], align: 0 }) : undefined;
  const options = () => ({
    scales: { x: { time: true }, y: { range: (_u: unknown, _min: number, max: number): [number, number] => [0, Math.max(4, Math.ceil(max * 1.1))] } },
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
  });
  return <div class="chart" ref={useUplot(options, height, data, shape)} />;
}
