/**
 * Plots as files: a vega-lite spec is compiled to vega, rendered to SVG
 * headlessly, and rasterized to PNG with resvg. Every figure diffhep writes
 * (event displays, loss landscapes, resolution curves) goes through here.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';

/** A vega-lite specification. */
export type PlotSpec = TopLevelSpec;

/** Renders a vega-lite spec to an SVG string. */
export async function toSvg(spec: PlotSpec): Promise<string> {
  const quiet = { level: () => quiet, error: () => quiet, warn: () => quiet, info: () => quiet, debug: () => quiet } as never;
  const vgSpec = compile(spec, { logger: quiet }).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' }).logLevel(vega.Error);
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterizes SVG text to PNG bytes (white background, `scale`× resolution). */
export function svgToPng(svg: string, scale = 2): Buffer {
  const r = new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: scale }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } });
  return r.render().asPng();
}

/**
 * Writes a plot. The file type follows the extension: `.png` (rasterized),
 * `.svg`, or `.json` (the vega-lite spec itself). Returns the path.
 */
export async function savePlot(spec: PlotSpec, file: string): Promise<string> {
  mkdirSync(dirname(file), { recursive: true });
  if (file.endsWith('.json')) writeFileSync(file, JSON.stringify(spec, null, 1));
  else {
    const svg = await toSvg(spec);
    if (file.endsWith('.svg')) writeFileSync(file, svg);
    else writeFileSync(file, svgToPng(svg));
  }
  return file;
}
