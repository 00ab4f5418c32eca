/**
 * Chart builders for the figures the experiments draw: line plots, heatmaps
 * with an overlaid path (loss landscapes with the descent path), scatter
 * plots. Each returns a vega-lite spec for `savePlot`.
 */
import type { PlotSpec } from './render.js';

/** Axis description: field title and scale. */
export interface AxisOptions {
  title?: string;
  log?: boolean;
  zero?: boolean;
}

/** Lines: rows {x, y, series?}. */
export function linePlot(
  rows: { x: number; y: number; series?: string }[],
  opts: { title?: string; x?: AxisOptions; y?: AxisOptions; width?: number; height?: number; points?: boolean } = {},
): PlotSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: opts.title,
    width: opts.width ?? 420,
    height: opts.height ?? 280,
    data: { values: rows },
    mark: { type: 'line', point: opts.points ?? false },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: opts.x?.title ?? 'x', scale: { type: opts.x?.log ? 'log' : 'linear', zero: opts.x?.zero ?? false } },
      y: { field: 'y', type: 'quantitative', title: opts.y?.title ?? 'y', scale: { type: opts.y?.log ? 'log' : 'linear', zero: opts.y?.zero ?? false } },
      color: { field: 'series', type: 'nominal', title: null },
    },
  } as PlotSpec;
}

/** Scatter: rows {x, y, series?}. */
export function scatterPlot(
  rows: { x: number; y: number; series?: string }[],
  opts: { title?: string; x?: AxisOptions; y?: AxisOptions; width?: number; height?: number } = {},
): PlotSpec {
  const spec = linePlot(rows, opts) as unknown as Record<string, unknown>;
  spec.mark = { type: 'point', filled: true, size: 30 };
  return spec as unknown as PlotSpec;
}

/**
 * Heatmap of a grid of values with an optional overlaid path: cells {x, y,
 * value} on a regular grid, path points {x, y, step}.
 */
export function heatmapWithPath(
  cells: { x: number; y: number; value: number }[],
  path: { x: number; y: number; step: number }[] = [],
  opts: { title?: string; x?: AxisOptions; y?: AxisOptions; value?: string; width?: number; height?: number; logColor?: boolean } = {},
): PlotSpec {
  const xs = [...new Set(cells.map((c) => c.x))].sort((a, b) => a - b);
  const ys = [...new Set(cells.map((c) => c.y))].sort((a, b) => a - b);
  const dx = xs.length > 1 ? xs[1] - xs[0] : 1;
  const dy = ys.length > 1 ? ys[1] - ys[0] : 1;
  const rects = cells.map((c) => ({ x: c.x - dx / 2, x2: c.x + dx / 2, y: c.y - dy / 2, y2: c.y + dy / 2, value: c.value }));
  const xScale = { domain: [xs[0] - dx / 2, xs[xs.length - 1] + dx / 2], nice: false, zero: false };
  const yScale = { domain: [ys[0] - dy / 2, ys[ys.length - 1] + dy / 2], nice: false, zero: false };
  const layers: unknown[] = [
    {
      data: { values: rects },
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: opts.x?.title ?? 'x', scale: xScale },
        x2: { field: 'x2' },
        y: { field: 'y', type: 'quantitative', title: opts.y?.title ?? 'y', scale: yScale },
        y2: { field: 'y2' },
        color: { field: 'value', type: 'quantitative', title: opts.value ?? 'value', scale: { scheme: 'viridis', type: opts.logColor ? 'symlog' : 'linear' } },
      },
    },
  ];
  if (path.length) {
    layers.push({
      data: { values: path },
      mark: { type: 'line', color: 'red', point: { color: 'red', size: 12 } },
      encoding: {
        x: { field: 'x', type: 'quantitative', scale: xScale },
        y: { field: 'y', type: 'quantitative', scale: yScale },
        order: { field: 'step', type: 'quantitative' },
      },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: opts.title,
    width: opts.width ?? 400,
    height: opts.height ?? 320,
    layer: layers,
  } as unknown as PlotSpec;
}
