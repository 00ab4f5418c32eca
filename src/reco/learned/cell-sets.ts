/**
 * Calorimeter cells as sets for Deep Sets networks: per shower, the cells of
 * the depth sections above a threshold, the most energetic `maxCells` of
 * them, padded to a common size with a mask (1 real, 0 padding).
 *
 * Features per cell (all O(1)): u, v = the cell's transverse position in
 * units of the half-width of the grid (−1…1), w = the section's depth
 * ((s + ½)/sections), e = energy / energyScaleGeV and √e (which spreads the
 * many small cells). The order of the cells carries no information.
 */
import { DomainError } from '../../autodiff/index.js';
import type { ShowerEvents } from '../../sim/calo/index.js';
import type { HostArray } from './host-array.js';
import { checkShowerEvents, layerGroups, type LayerGrouping } from './calo-images.js';

/** Number of features per cell: u, v, w, e, √e. */
export const CELL_FEATURES = 5;

/** Options of `caloCellSets`. */
export interface CellSetOptions extends LayerGrouping {
  /** Set size after padding: the most energetic cells are kept. Default 64. */
  maxCells?: number;
  /** Cells at or below this visible energy are dropped [GeV]. Default 5e-4 (5× the 0.1 MeV noise of 2 cm LAr cells). */
  thresholdGeV?: number;
  /** Energies are divided by this [GeV]. Default 0.1. */
  energyScaleGeV?: number;
  /** Keep showers with no cell above threshold (an all-padding set) instead of throwing. Default false. */
  allowEmpty?: boolean;
}

/** Sets of cells: features [B, maxCells, 5], mask [B, maxCells], and bookkeeping. */
export interface CellSets {
  features: HostArray;
  mask: HostArray;
  /** Cells kept per shower. */
  counts: Int32Array;
  /** Per shower, the fraction of the above-threshold energy in the cells dropped by `maxCells`. */
  droppedFraction: Float32Array;
}

/**
 * The cell sets of simulated showers.
 *
 * @example
 * ```ts
 * const ev = simulateShowers(calo, { particle: 'photon', energyGeV: 5, count: 16 }, prngKey(2));
 * const sets = caloCellSets(ev, { sections: 6, maxCells: 64 });
 * // sets.features.shape [16, 64, 5], sets.mask.shape [16, 64]
 * ```
 */
export function caloCellSets(ev: ShowerEvents, opts: CellSetOptions = {}): CellSets {
  checkShowerEvents(ev);
  const K = opts.maxCells ?? 64;
  if (!(Number.isInteger(K) && K >= 1)) throw new DomainError('maxCells', K, 'must be a positive integer');
  const thr = opts.thresholdGeV ?? 5e-4;
  if (!(Number.isFinite(thr) && thr >= 0)) throw new DomainError('thresholdGeV', thr, 'must be finite and ≥ 0');
  const scale = opts.energyScaleGeV ?? 0.1;
  if (!(Number.isFinite(scale) && scale > 0)) throw new DomainError('energyScaleGeV', scale, 'must be finite and > 0');
  const { batch: B, nLayers: L, cellsPerSide: n } = ev;
  const groups = layerGroups(L, opts);
  const S = groups.length;
  const half = Math.max((n - 1) / 2, 1);
  const features = new Float32Array(B * K * CELL_FEATURES);
  const mask = new Float32Array(B * K);
  const counts = new Int32Array(B);
  const droppedFraction = new Float32Array(B);
  const summed = new Float64Array(S * n * n);
  const order: number[] = [];
  for (let b = 0; b < B; b++) {
    summed.fill(0);
    groups.forEach((grp, s) => {
      for (const l of grp) {
        const base = (b * L + l) * n * n;
        for (let c = 0; c < n * n; c++) summed[s * n * n + c] += ev.visible[base + c];
      }
    });
    order.length = 0;
    for (let k = 0; k < summed.length; k++) if (summed[k] > thr) order.push(k);
    if (order.length === 0 && !opts.allowEmpty) {
      throw new DomainError(`events[${b}]`, { energyGeV: ev.energyGeV?.[b], thresholdGeV: thr }, 'no cell above threshold: an empty set (lower thresholdGeV or pass allowEmpty)');
    }
    // Most energetic first; ties by index so the result does not depend on the sort's stability.
    order.sort((p, q) => summed[q] - summed[p] || p - q);
    let total = 0;
    for (const k of order) total += summed[k];
    const kept = Math.min(K, order.length);
    let keptE = 0;
    for (let r = 0; r < kept; r++) {
      const k = order[r];
      const s = Math.floor(k / (n * n));
      const cell = k % (n * n);
      const ix = Math.floor(cell / n);
      const iy = cell % n;
      const e = summed[k] / scale;
      keptE += summed[k];
      const f = (b * K + r) * CELL_FEATURES;
      features[f] = (ix - (n - 1) / 2) / half;
      features[f + 1] = (iy - (n - 1) / 2) / half;
      features[f + 2] = (s + 0.5) / S;
      features[f + 3] = e;
      features[f + 4] = Math.sqrt(e);
      mask[b * K + r] = 1;
    }
    counts[b] = kept;
    droppedFraction[b] = total > 0 ? (total - keptE) / total : 0;
  }
  return { features: { data: features, shape: [B, K, CELL_FEATURES] }, mask: { data: mask, shape: [B, K] }, counts, droppedFraction };
}
