/**
 * The pixel x tick readout, stored sparse and ragged: a list of active pixels,
 * each with a contiguous range of ticks, flattened into one vector of charges
 * (electrons per tick). Built from the sparse windows of the segments
 * (pixel-response.ts); the scatter of the window cells into it is one
 * unsortedSegmentSum per chunk.
 */
import type { Tensor } from '../../autodiff/index.js';
import { scatterAdd } from './sparse-ops.js';
import type { SimConfig } from './config.js';
import type { ChunkPlan } from './pixel-response.js';

/** Global pixel id: (tpc, ix, iy) -> tpc * nx * ny + ix * ny + iy. */
export function pixelId(tpc: number, ix: number, iy: number, c: SimConfig): number {
  return (tpc * c.nx + ix) * c.ny + iy;
}

/** Inverse of pixelId. */
export function pixelCoords(id: number, c: SimConfig): { tpc: number; ix: number; iy: number } {
  const iy = id % c.ny;
  const r = (id - iy) / c.ny;
  const ix = r % c.nx;
  return { tpc: (r - ix) / c.nx, ix, iy };
}

/** Ragged readout layout. */
export interface ReadoutLayout {
  /** Global pixel ids, ascending. */
  pixels: Int32Array;
  /** First tick and number of ticks of each pixel; offset into the flat vector. */
  tickStart: Int32Array;
  length: Int32Array;
  offset: Int32Array;
  /** Length of the flat vector. */
  size: number;
  /** Pixel id -> row. */
  row: Map<number, number>;
}

/** Tick ranges per pixel id, to be merged into a layout. */
export type TickRanges = Map<number, [number, number]>;

/** Adds the window cells of a chunk (clipped to the detector) to `ranges`. */
export function addChunkRanges(plan: ChunkPlan, c: SimConfig, ranges: TickRanges = new Map()): TickRanges {
  for (let s = 0; s < plan.count; s++) {
    if (plan.dir[s] === 0) continue;
    const ta = Math.max(0, plan.it0[s]);
    const tb = Math.min(c.nTicks - 1, plan.it0[s] + plan.wt - 1);
    if (ta > tb) continue;
    for (let i = 0; i < plan.wx; i++) {
      const ix = plan.ix0[s] + i;
      if (ix < 0 || ix >= c.nx) continue;
      for (let j = 0; j < plan.wy; j++) {
        const iy = plan.iy0[s] + j;
        if (iy < 0 || iy >= c.ny) continue;
        const id = pixelId(plan.tpc[s], ix, iy, c);
        const r = ranges.get(id);
        if (r) {
          if (ta < r[0]) r[0] = ta;
          if (tb > r[1]) r[1] = tb;
        } else ranges.set(id, [ta, tb]);
      }
    }
  }
  return ranges;
}

/** A layout from tick ranges (union of several plans: call addChunkRanges for each first). */
export function layoutFromRanges(ranges: TickRanges): ReadoutLayout {
  const ids = Int32Array.from(ranges.keys()).sort();
  const n = ids.length;
  const tickStart = new Int32Array(n);
  const length = new Int32Array(n);
  const offset = new Int32Array(n);
  const row = new Map<number, number>();
  let size = 0;
  ids.forEach((id, r) => {
    const [a, b] = ranges.get(id) as [number, number];
    tickStart[r] = a;
    length[r] = b - a + 1;
    offset[r] = size;
    size += b - a + 1;
    row.set(id, r);
  });
  return { pixels: ids, tickStart, length, offset, size, row };
}

/** The layout covering every window of the given plans. */
export function layoutFromPlans(plans: ChunkPlan[], c: SimConfig): ReadoutLayout {
  const ranges: TickRanges = new Map();
  for (const p of plans) addChunkRanges(p, c, ranges);
  return layoutFromRanges(ranges);
}

/**
 * Flat readout index of every window cell of a chunk, in the order of
 * `chunkResponse(...).reshape([-1])`; cells outside the layout get `layout.size`
 * (a discard slot). Also returns how many cells were discarded.
 */
export function scatterIndex(plan: ChunkPlan, layout: ReadoutLayout, c: SimConfig): { index: Int32Array; discarded: number } {
  const { wx, wy, wt } = plan;
  const index = new Int32Array(plan.count * wx * wy * wt).fill(layout.size);
  let discarded = 0;
  for (let s = 0; s < plan.count; s++) {
    for (let i = 0; i < wx; i++) {
      const ix = plan.ix0[s] + i;
      for (let j = 0; j < wy; j++) {
        const iy = plan.iy0[s] + j;
        const base = ((s * wx + i) * wy + j) * wt;
        const r = plan.dir[s] !== 0 && ix >= 0 && ix < c.nx && iy >= 0 && iy < c.ny ? layout.row.get(pixelId(plan.tpc[s], ix, iy, c)) : undefined;
        if (r === undefined) {
          discarded += wt;
          continue;
        }
        const ts = layout.tickStart[r];
        const len = layout.length[r];
        const off = layout.offset[r];
        for (let k = 0; k < wt; k++) {
          const t = plan.it0[s] + k - ts;
          if (t >= 0 && t < len) index[base + k] = off + t;
          else discarded++;
        }
      }
    }
  }
  return { index, discarded };
}

/** Scatters a chunk's window charges into the flat readout (tensor level). */
export function scatterChunk(response: Tensor, index: Int32Array, size: number): Tensor {
  return scatterAdd(response, index, size + 1).slice([0], [size]);
}

/** Row and tick of every flat readout entry. */
export function cellsOf(layout: ReadoutLayout): { row: Int32Array; tick: Int32Array } {
  const row = new Int32Array(layout.size);
  const tick = new Int32Array(layout.size);
  for (let r = 0; r < layout.pixels.length; r++) {
    for (let k = 0; k < layout.length[r]; k++) {
      row[layout.offset[r] + k] = r;
      tick[layout.offset[r] + k] = layout.tickStart[r] + k;
    }
  }
  return { row, tick };
}
