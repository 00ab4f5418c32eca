/**
 * The position of a maximum as a differentiable quantity: the expected index
 * under softmax(x/T), Σ_j j·softmax(x/T)_j (peak finding on a waveform, the
 * best-matching hypothesis).
 *
 * Bias: the result is pulled towards the middle of the axis by every entry
 * not much below the maximum; with a gap Δ between the largest and the next
 * value the error is at most (n − 1)·(n − 1)·exp(−Δ/T). Between two equal
 * maxima it returns their mean index. Exact (the argmax index) as T → 0 when
 * the maximum is unique.
 */
import { tf, type Tensor } from '../tf.js';
import { asTensor } from '../broadcast.js';
import { assertPositiveScale, normalizeAxis } from './validate.js';

/**
 * Expected index along `axis` (default the last) under softmax(x/T); the axis
 * is removed from the result's shape. T is in the units of x.
 *
 * @example
 * ```ts
 * const i = softArgmax(tf.tensor1d([0, 1, 5, 1]), 0.1); // ≈ 2
 * ```
 */
export function softArgmax(x: Tensor, temperature: number | Tensor, axis = -1): Tensor {
  assertPositiveScale('temperature', temperature);
  const ax = normalizeAxis(axis, x.rank);
  return tf.tidy(() => {
    const n = x.shape[ax];
    const s = tf.div(x, asTensor(temperature));
    // softmax along any axis (tf.softmax handles only the last), stabilised by logsumexp.
    const p = tf.exp(tf.sub(s, tf.logSumExp(s, ax, true)));
    const idxShape = x.shape.map((d, i) => (i === ax ? n : 1));
    const idx = tf.range(0, n, 1, 'float32').reshape(idxShape);
    return tf.sum(tf.mul(p, idx), ax);
  });
}
