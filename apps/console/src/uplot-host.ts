import type { RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * Mounts a uPlot chart in the returned element (options made afresh for each chart: uPlot writes
 * into the series objects it is given): built again only when `shape` (what uPlot fixes at
 * creation: the series) or the height changes, fed `data` whenever it changes, its width following
 * its container so the pages fit 390 px. uPlot styles through the CSSOM, which the console's CSP allows.
 */
export function useUplot(options: () => Omit<uPlot.Options, 'width' | 'height'>, height: number, data: uPlot.AlignedData, shape: string): RefObject<HTMLDivElement | null> {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const width = () => Math.max(280, element.clientWidth);
    const plot = new uPlot({ ...options(), width: width(), height }, latest.current, element);
    chart.current = plot;
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
      chart.current = null;
    };
  }, [shape, height]);

  useEffect(() => {
    chart.current?.setData(data);
  }, [data]);

  return host;
}
