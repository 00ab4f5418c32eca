/**
 * Magnitude pruning with the polynomial-decay sparsity schedule of Zhu &
 * Gupta, "To prune, or not to prune" (arXiv:1710.01878), as TensorFlow Model
 * Optimization's `PolynomialDecay`: from step t0 the target sparsity of each
 * layer's kernel rises as
 *
 *   s_t = s_f + (s_i − s_f) · (1 − (t − t0) / (n Δt))^3,   t0 ≤ t ≤ t0 + n Δt,
 *
 * and every Δt steps (and at the end step) the mask of each layer is set so
 * that the `round(s_t · N)` weights of smallest magnitude (N weights in the
 * layer) are zero. Masks only grow: a pruned weight has magnitude 0 in the
 * ranking and stays pruned. The masks multiply the weights in the forward
 * pass, hence also the gradients; biases are not pruned.
 *
 * @example
 * ```ts
 * const s: PruningSchedule = { finalSparsity: 0.75, beginStep: 0, endStep: 400, frequency: 50 };
 * targetSparsity(s, 200); // 0.65625 = 0.75 · (1 − 0.5^3)
 * ```
 */
import { DomainError } from '../../autodiff/index.js';

/** A polynomial-decay pruning schedule (steps count optimizer steps from 0). */
export interface PruningSchedule {
  /** s_i, the sparsity at `beginStep`. Default 0. */
  initialSparsity?: number;
  /** s_f, the sparsity reached at `endStep` and kept after it. */
  finalSparsity: number;
  /** t0. Default 0. */
  beginStep?: number;
  /** t0 + n Δt. */
  endStep: number;
  /** Δt: steps between mask updates. Default 100 (as TF-MOT). */
  frequency?: number;
  /** The exponent of the decay. Default 3 (Zhu & Gupta). */
  power?: number;
}

/**
 * Validated schedule with defaults filled in.
 *
 * @example
 * ```ts
 * checkSchedule({ finalSparsity: 0.5, endStep: 100 }).frequency; // 100
 * ```
 */
export function checkSchedule(s: PruningSchedule): Required<PruningSchedule> {
  if (!s || typeof s !== 'object') throw new DomainError('pruning', s, 'a schedule { finalSparsity, endStep, beginStep?, frequency?, initialSparsity? }');
  const r: Required<PruningSchedule> = {
    initialSparsity: s.initialSparsity ?? 0,
    finalSparsity: s.finalSparsity,
    beginStep: s.beginStep ?? 0,
    endStep: s.endStep,
    frequency: s.frequency ?? 100,
    power: s.power ?? 3,
  };
  if (!(r.finalSparsity >= 0 && r.finalSparsity < 1)) throw new DomainError('pruning.finalSparsity', s.finalSparsity, 'a fraction in [0, 1)');
  if (!(r.initialSparsity >= 0 && r.initialSparsity <= r.finalSparsity)) throw new DomainError('pruning.initialSparsity', s.initialSparsity, `a fraction in [0, finalSparsity = ${r.finalSparsity}]`);
  if (!(Number.isInteger(r.beginStep) && r.beginStep >= 0)) throw new DomainError('pruning.beginStep', s.beginStep, 'a non-negative integer');
  if (!(Number.isInteger(r.endStep) && r.endStep > r.beginStep)) throw new DomainError('pruning.endStep', s.endStep, `an integer > beginStep (${r.beginStep})`);
  if (!(Number.isInteger(r.frequency) && r.frequency > 0)) throw new DomainError('pruning.frequency', s.frequency, 'a positive integer');
  if (!(r.power > 0)) throw new DomainError('pruning.power', s.power, 'positive');
  return r;
}

/**
 * s_t of the schedule at step t (s_i before t0, s_f after the end step).
 *
 * @example
 * ```ts
 * targetSparsity({ finalSparsity: 0.8, endStep: 100 }, 50); // 0.8 · (1 − 0.5^3) = 0.7
 * ```
 */
export function targetSparsity(s: PruningSchedule, step: number): number {
  const r = checkSchedule(s);
  if (step <= r.beginStep) return r.initialSparsity;
  if (step >= r.endStep) return r.finalSparsity;
  const frac = (step - r.beginStep) / (r.endStep - r.beginStep);
  return r.finalSparsity + (r.initialSparsity - r.finalSparsity) * (1 - frac) ** r.power;
}

/**
 * True at the steps where the masks are recomputed: t0, t0 + Δt, …, and the end step.
 *
 * @example
 * ```ts
 * isMaskUpdateStep({ finalSparsity: 0.5, beginStep: 10, endStep: 50, frequency: 20 }, 30); // true (10, 30, 50)
 * ```
 */
export function isMaskUpdateStep(s: PruningSchedule, step: number): boolean {
  const r = checkSchedule(s);
  if (step < r.beginStep || step > r.endStep) return false;
  return (step - r.beginStep) % r.frequency === 0 || step === r.endStep;
}

/**
 * The mask (1 keep, 0 pruned) of one layer's weights at `sparsity`: the
 * round(sparsity · N) smallest |w · oldMask| are pruned (ties by index, so
 * already pruned weights, of magnitude 0, go first and stay pruned).
 *
 * @example
 * ```ts
 * magnitudeMask([0.5, -0.1, 2, 0.01], 0.5); // Float32Array [1, 0, 1, 0]
 * ```
 */
export function magnitudeMask(w: ArrayLike<number>, sparsity: number, oldMask?: ArrayLike<number>): Float32Array {
  if (!(sparsity >= 0 && sparsity <= 1)) throw new DomainError('sparsity', sparsity, 'a fraction in [0, 1]');
  if (oldMask && oldMask.length !== w.length) throw new DomainError('oldMask', oldMask.length, `a mask of ${w.length} entries`);
  const n = w.length;
  const mag = Float64Array.from({ length: n }, (_, i) => (oldMask && oldMask[i] === 0 ? 0 : Math.abs(w[i])));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => mag[a] - mag[b] || a - b);
  const k = Math.round(sparsity * n);
  const mask = new Float32Array(n).fill(1);
  for (let j = 0; j < k; j++) mask[order[j]] = 0;
  return mask;
}

/**
 * Fraction of zeros in a mask (or of zero values in an array).
 *
 * @example
 * ```ts
 * sparsityOf([1, 0, 0, 1]); // 0.5
 * ```
 */
export function sparsityOf(m: ArrayLike<number>): number {
  let z = 0;
  for (let i = 0; i < m.length; i++) if (m[i] === 0) z++;
  return m.length ? z / m.length : 0;
}
