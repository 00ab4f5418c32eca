/**
 * Smooth maximum and minimum by log-sum-exp: T·log Σ exp(x/T) (a soft
 * "largest deposit", a soft veto on the closest track).
 *
 * Bias: max(x) ≤ smoothMax(x) ≤ max(x) + T·ln n for n entries along the axis
 * (the upper bound reached when all are equal), and symmetrically
 * min(x) − T·ln n ≤ smoothMin(x) ≤ min(x). Its gradient is softmax(x/T), a
 * weighting of the near-maximal entries. Exact as T → 0.
 */
import { tf, type Tensor } from '../tf.js';
import { asTensor } from '../broadcast.js';
import { assertPositiveScale, normalizeAxis } from './validate.js';

/**
 * T·logsumexp(x/T) along `axis` (default the last), which is removed from the
 * shape. T is in the units of x.
 *
 * @example
 * ```ts
 * const m = smoothMax(tf.tensor1d([1, 3, 2]), 0.01); // ≈ 3
 * ```
 */
export function smoothMax(x: Tensor, temperature: number | Tensor, axis = -1): Tensor {
  assertPositiveScale('temperature', temperature);
  const ax = normalizeAxis(axis, x.rank);
  return tf.tidy(() => {
    const t = asTensor(temperature);
    return tf.mul(t, tf.logSumExp(tf.div(x, t), ax));
  });
}

/**
 * −T·logsumexp(−x/T) along `axis` (default the last): the smooth minimum.
 *
 * @example
 * ```ts
 * const m = smoothMin(tf.tensor1d([1, 3, 2]), 0.01); // ≈ 1
 * ```
 */
export function smoothMin(x: Tensor, temperature: number | Tensor, axis = -1): Tensor {
  assertPositiveScale('temperature', temperature);
  return tf.tidy(() => tf.neg(smoothMax(tf.neg(x), temperature, axis)));
}
