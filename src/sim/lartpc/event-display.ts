/**
 * Dense views of the sparse readout and an event display: the pixel plane of
 * one TPC coloured by collected charge, and the drift-time projection (pixel
 * x against tick). For small volumes; the simulation itself stays sparse.
 */
import { DomainError } from '../../autodiff/index.js';
import { heatmapWithPath, savePlot, type PlotSpec } from '../../plot/index.js';
import type { SimConfig } from './config.js';
import { pixelCoords, type ReadoutLayout } from './readout.js';

/** Dense [nx][ny][ticks] view (flat, x-major) of one TPC's readout over ticks [t0, t1). */
export function denseReadout(readout: ArrayLike<number>, layout: ReadoutLayout, c: SimConfig, tpc: number, t0 = 0, t1 = c.nTicks): Float32Array {
  const nt = t1 - t0;
  const cells = c.nx * c.ny * nt;
  if (cells > 5e7) throw new DomainError('dense view size', cells, 'too large for a dense view (limit 5e7 cells): choose a tick range or a smaller volume');
  const out = new Float32Array(cells);
  layout.pixels.forEach((id, row) => {
    const p = pixelCoords(id, c);
    if (p.tpc !== tpc) return;
    for (let k = 0; k < layout.length[row]; k++) {
      const t = layout.tickStart[row] + k - t0;
      if (t >= 0 && t < nt) out[(p.ix * c.ny + p.iy) * nt + t] += readout[layout.offset[row] + k];
    }
  });
  return out;
}

/** The two event-display charts of one TPC: pixel plane (x, y) and drift-time projection (x, tick). */
export function eventDisplaySpecs(readout: ArrayLike<number>, layout: ReadoutLayout, c: SimConfig, tpc: number, pitchCm: number): { plane: PlotSpec; projection: PlotSpec } {
  const plane = new Map<string, { x: number; y: number; value: number }>();
  const proj = new Map<string, { x: number; y: number; value: number }>();
  layout.pixels.forEach((id, row) => {
    const p = pixelCoords(id, c);
    if (p.tpc !== tpc) return;
    let q = 0;
    for (let k = 0; k < layout.length[row]; k++) {
      const v = readout[layout.offset[row] + k];
      q += v;
      const t = layout.tickStart[row] + k;
      const key = `${p.ix}:${t}`;
      const e = proj.get(key) ?? { x: p.ix * pitchCm, y: t * c.tickUs, value: 0 };
      e.value += v / 1e3;
      proj.set(key, e);
    }
    plane.set(`${p.ix}:${p.iy}`, { x: p.ix * pitchCm, y: p.iy * pitchCm, value: q / 1e3 });
  });
  return {
    plane: heatmapWithPath([...plane.values()], [], { title: `TPC ${tpc}: charge per pixel [ke-]`, x: { title: 'x from plane edge [cm]' }, y: { title: 'y from plane edge [cm]' }, value: 'ke-' }),
    projection: heatmapWithPath([...proj.values()].filter((e) => e.value > 0.05), [], { title: `TPC ${tpc}: drift-time projection [ke- per tick]`, x: { title: 'x from plane edge [cm]' }, y: { title: 'arrival time [us]' }, value: 'ke-' }),
  };
}

/**
 * Writes `<prefix>-plane.png` and `<prefix>-time.png` for one TPC.
 *
 * @example
 * ```ts
 * const out = simulate(seg, ps, cfg);
 * await saveEventDisplay(out.readout, out.layout, cfg, 1, 0.4434, '/tmp/event');
 * ```
 */
export async function saveEventDisplay(readout: ArrayLike<number>, layout: ReadoutLayout, c: SimConfig, tpc: number, pitchCm: number, prefix: string): Promise<string[]> {
  const s = eventDisplaySpecs(readout, layout, c, tpc, pitchCm);
  return [await savePlot(s.plane, `${prefix}-plane.png`), await savePlot(s.projection, `${prefix}-time.png`)];
}
