/**
 * A zero-suppression threshold (a readout channel reports x only above the
 * threshold) made differentiable: x·σ((x − threshold)/width).
 *
 * Bias: values within a few `width` of the threshold are partly kept; below
 * the threshold the output is x·σ(·) instead of 0, above it slightly less
 * than x. The error is |x|·σ(−|x − threshold|/width) ≤ |x|·exp(−|x −
 * threshold|/width), largest at x = threshold (output threshold/2). Exact as
 * width → 0 for every x ≠ threshold.
 */
import { tf, type Tensor } from '../tf.js';
import { asTensor } from '../broadcast.js';
import { assertPositiveScale } from './validate.js';

/**
 * x·σ((x − threshold)/width); `width` is in the units of x.
 *
 * @example
 * ```ts
 * const y = softThreshold(tf.tensor1d([0.1, 5]), 1, 0.05); // ≈ [0, 5]
 * ```
 */
export function softThreshold(x: Tensor, threshold: Tensor | number, width: Tensor | number): Tensor {
  assertPositiveScale('width', width);
  return tf.tidy(() => tf.mul(x, tf.sigmoid(tf.div(tf.sub(x, asTensor(threshold)), asTensor(width)))));
}
