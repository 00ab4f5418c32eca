/**
 * The reconstruction's input: hits of one or more events as tensors (charge,
 * trigger weight; differentiable) with their integer addresses on the host
 * (event, TPC, pixel, trigger tick; no gradient, like the trigger schedule
 * of the relaxed electronics).
 */
import { tf, type Tensor, DomainError, ShapeMismatchError } from '../../autodiff/index.js';
import { gatherAt } from './sim-imports.js';

/** Hits: tensors of length n and host arrays of length n. */
export interface RecoHits {
  /** Collected charge [electrons] (noise included). */
  charge: Tensor;
  /** Trigger weight in (0, 1): 1 for a hit that fired, the relaxed sigmoid for a candidate. */
  weight: Tensor;
  event: Int32Array;
  tpc: Int32Array;
  ix: Int32Array;
  iy: Int32Array;
  /** Trigger tick. */
  tick: Int32Array;
}

/**
 * Number of hits, checking that every field has that length.
 *
 * @example
 * ```ts
 * hitCount(hitsFromArrays({ charge: [9000], tpc: [0], ix: [1], iy: [2], tick: [40] })); // 1
 * ```
 */
export function hitCount(h: RecoHits): number {
  const n = h.event.length;
  for (const f of ['tpc', 'ix', 'iy', 'tick'] as const) if (h[f].length !== n) throw new ShapeMismatchError(`hits.${f}`, [n], [h[f].length]);
  if (h.charge.size !== n) throw new ShapeMismatchError('hits.charge', [n], h.charge.shape);
  if (h.weight.size !== n) throw new ShapeMismatchError('hits.weight', [n], h.weight.shape);
  return n;
}

/**
 * Hits from plain arrays (tests, files). `weight` defaults to 1.
 *
 * @example
 * ```ts
 * const h = hitsFromArrays({ charge: [9000, 12000], event: [0, 0], tpc: [1, 1], ix: [3, 4], iy: [5, 5], tick: [120, 131] });
 * ```
 */
export function hitsFromArrays(a: { charge: ArrayLike<number>; weight?: ArrayLike<number>; event?: ArrayLike<number>; tpc: ArrayLike<number>; ix: ArrayLike<number>; iy: ArrayLike<number>; tick: ArrayLike<number> }): RecoHits {
  const n = a.charge.length;
  for (let i = 0; i < n; i++) if (!Number.isFinite(a.charge[i])) throw new DomainError(`hits.charge[${i}]`, a.charge[i], 'must be finite');
  return {
    charge: tf.tensor1d(Float32Array.from(a.charge)),
    weight: a.weight ? tf.tensor1d(Float32Array.from(a.weight)) : tf.ones([n]),
    event: a.event ? Int32Array.from(a.event) : new Int32Array(n),
    tpc: Int32Array.from(a.tpc),
    ix: Int32Array.from(a.ix),
    iy: Int32Array.from(a.iy),
    tick: Int32Array.from(a.tick),
  };
}

/**
 * Entries `idx` of a 1-D tensor (tensor level): a slice when the indices are
 * a contiguous ascending range (the hits of one event), otherwise a gather
 * whose gradient is a scatter (tf.gather's gradient, an unsortedSegmentSum,
 * is slow on the wasm backend).
 *
 * @example
 * ```ts
 * takeEntries(tf.tensor1d([5, 6, 7, 8]), Int32Array.from([1, 2])); // [6, 7] (a slice)
 * ```
 */
export function takeEntries(x: Tensor, idx: Int32Array): Tensor {
  const n = idx.length;
  if (n > 0 && idx[n - 1] - idx[0] === n - 1 && idx.every((v, k) => v === idx[0] + k)) return x.slice([idx[0]], [n]);
  return gatherAt(x, idx);
}

/**
 * Rows `idx` of an [n, k] tensor (tensor level; see `takeEntries`).
 *
 * @example
 * ```ts
 * takeRows(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]), Int32Array.from([2, 0])); // [[5, 6], [1, 2]]
 * ```
 */
export function takeRows(x: Tensor, idx: Int32Array): Tensor {
  const k = x.shape[1] as number;
  const flat = new Int32Array(idx.length * k);
  idx.forEach((i, r) => {
    for (let j = 0; j < k; j++) flat[r * k + j] = i * k + j;
  });
  return takeEntries(x.reshape([-1]), flat).reshape([idx.length, k]);
}

/**
 * The hits of a subset (host indices), tensor level.
 *
 * @example
 * ```ts
 * const firstEvent = selectHits(hits, Int32Array.from([0, 1, 2]));
 * ```
 */
export function selectHits(h: RecoHits, idx: Int32Array): RecoHits {
  const pick = (a: Int32Array) => Int32Array.from(idx, (i) => a[i]);
  return { charge: takeEntries(h.charge, idx), weight: takeEntries(h.weight, idx), event: pick(h.event), tpc: pick(h.tpc), ix: pick(h.ix), iy: pick(h.iy), tick: pick(h.tick) };
}
