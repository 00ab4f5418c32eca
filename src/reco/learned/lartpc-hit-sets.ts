/**
 * LArTPC hits as sets for Deep Sets networks: per event the hits of the
 * pixel readout (`simulate` in src/sim/lartpc), the `maxHits` with the most
 * charge, padded with a mask. Features per hit: u, v = pixel position on
 * the anode scaled to [−1, 1], t = tick scaled to [−1, 1], q = charge /
 * chargeScale, and the TPC as ±1.
 */
import { DomainError, NonFiniteError } from '../../autodiff/index.js';
import type { Hit } from '../../sim/lartpc/index.js';
import type { HostArray } from './host-array.js';

/** Number of features per hit: u, v, t, q, tpc. */
export const HIT_FEATURES = 5;

/** The readout grid the hits live on (from the simulation's `SimConfig`). */
export interface HitGrid {
  nx: number;
  ny: number;
  nTicks: number;
}

/** Options of `lartpcHitSets`. */
export interface HitSetOptions {
  /** Set size after padding: the hits with the most charge are kept. Default 256. */
  maxHits?: number;
  /** Charges are divided by this [electrons]. Default 1e4. */
  chargeScale?: number;
  /** Keep events without hits (an all-padding set) instead of throwing. Default false. */
  allowEmpty?: boolean;
}

/** Sets of hits: features [B, maxHits, 5], mask [B, maxHits], hits kept per event and the charge fraction dropped. */
export interface HitSets {
  features: HostArray;
  mask: HostArray;
  counts: Int32Array;
  droppedFraction: Float32Array;
}

/**
 * The hit sets of events, one list of hits per event.
 *
 * @example
 * ```ts
 * const c = module0Config();
 * const perEvent = tracks.map((seg) => simulate(seg, lartpcParams(), c, { key: prngKey(1) }).hits);
 * const sets = lartpcHitSets(perEvent, c, { maxHits: 128 }); // features [events, 128, 5]
 * ```
 */
export function lartpcHitSets(events: Hit[][], grid: HitGrid, opts: HitSetOptions = {}): HitSets {
  if (!Array.isArray(events) || events.length === 0) throw new DomainError('events', events, 'needs at least one event (an array of hit lists)');
  for (const k of ['nx', 'ny', 'nTicks'] as const) if (!(Number.isInteger(grid?.[k]) && grid[k] >= 1)) throw new DomainError(`grid.${k}`, grid?.[k], 'must be a positive integer');
  const K = opts.maxHits ?? 256;
  if (!(Number.isInteger(K) && K >= 1)) throw new DomainError('maxHits', K, 'must be a positive integer');
  const scale = opts.chargeScale ?? 1e4;
  if (!(Number.isFinite(scale) && scale > 0)) throw new DomainError('chargeScale', scale, 'must be finite and > 0');
  const B = events.length;
  const features = new Float32Array(B * K * HIT_FEATURES);
  const mask = new Float32Array(B * K);
  const counts = new Int32Array(B);
  const droppedFraction = new Float32Array(B);
  events.forEach((hits, b) => {
    if (!Array.isArray(hits)) throw new DomainError(`events[${b}]`, typeof hits, 'must be an array of hits');
    if (hits.length === 0 && !opts.allowEmpty) throw new DomainError(`events[${b}]`, [], 'has no hits: an empty set (pass allowEmpty to keep it)');
    hits.forEach((h, i) => {
      for (const k of ['ix', 'iy', 'tick', 'charge', 'tpc'] as const) if (!Number.isFinite(h?.[k])) throw new NonFiniteError(`events[${b}][${i}].${k}`, Number(h?.[k]));
      if (!(h.ix >= 0 && h.ix < grid.nx)) throw new DomainError(`events[${b}][${i}].ix`, h.ix, `must be in [0, ${grid.nx - 1}]`);
      if (!(h.iy >= 0 && h.iy < grid.ny)) throw new DomainError(`events[${b}][${i}].iy`, h.iy, `must be in [0, ${grid.ny - 1}]`);
      if (!(h.tick >= 0 && h.tick < grid.nTicks)) throw new DomainError(`events[${b}][${i}].tick`, h.tick, `must be in [0, ${grid.nTicks - 1}]`);
      if (h.tpc !== 0 && h.tpc !== 1) throw new DomainError(`events[${b}][${i}].tpc`, h.tpc, 'must be 0 or 1');
    });
    // Most charge first; ties by position and time so the set does not depend on the input order.
    const order = hits.map((_, i) => i).sort((p, q) => hits[q].charge - hits[p].charge || hits[p].tpc - hits[q].tpc || hits[p].ix - hits[q].ix || hits[p].iy - hits[q].iy || hits[p].tick - hits[q].tick);
    const kept = Math.min(K, hits.length);
    let total = 0;
    let keptQ = 0;
    for (const h of hits) total += Math.abs(h.charge);
    for (let r = 0; r < kept; r++) {
      const h = hits[order[r]];
      const f = (b * K + r) * HIT_FEATURES;
      features[f] = (2 * (h.ix + 0.5)) / grid.nx - 1;
      features[f + 1] = (2 * (h.iy + 0.5)) / grid.ny - 1;
      features[f + 2] = (2 * (h.tick + 0.5)) / grid.nTicks - 1;
      features[f + 3] = h.charge / scale;
      features[f + 4] = 2 * h.tpc - 1;
      mask[b * K + r] = 1;
      keptQ += Math.abs(h.charge);
    }
    counts[b] = kept;
    droppedFraction[b] = total > 0 ? (total - keptQ) / total : 0;
  });
  return { features: { data: features, shape: [B, K, HIT_FEATURES] }, mask: { data: mask, shape: [B, K] }, counts, droppedFraction };
}
