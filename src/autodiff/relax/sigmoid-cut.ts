/**
 * A selection cut as a weight in (0, 1) instead of a 0/1 decision, so that
 * the cut position (and whatever produced `x`) receives a gradient.
 *
 * Bias: an event at distance d from the cut is weighted σ(slope·d) instead of
 * 0 or 1, so events within a few 1/slope of the cut leak through (or are
 * partly lost): ρ(cut)·ln2/slope events on each side for a density ρ. The two
 * leaks cancel to first order; the selected count is off by
 * −ρ′(cut)·π²/(6·slope²). Exact as slope → ∞ (the weight becomes the step
 * function, except at x = cut exactly where it is 1/2).
 */
import { tf, type Tensor } from '../tf.js';
import { asTensor } from '../broadcast.js';
import { assertPositiveScale } from './validate.js';
import { DomainError } from '../errors.js';

/**
 * Weight σ(slope·(x − cut)) for `direction` 'above' (keep x > cut, the
 * default) or σ(slope·(cut − x)) for 'below'. `slope` is in units of 1/x.
 *
 * @example
 * ```ts
 * const w = sigmoidCut(tf.tensor1d([0.5, 1.0, 1.5]), 1.0, 20); // ≈ [0.00005, 0.5, 0.99995]
 * ```
 */
export function sigmoidCut(x: Tensor, cut: Tensor | number, slope: Tensor | number, direction: 'above' | 'below' = 'above'): Tensor {
  assertPositiveScale('slope', slope);
  if (direction !== 'above' && direction !== 'below') throw new DomainError('direction', direction, "must be 'above' or 'below'");
  return tf.tidy(() => {
    const d = direction === 'above' ? tf.sub(x, asTensor(cut)) : tf.sub(asTensor(cut), x);
    return tf.sigmoid(tf.mul(asTensor(slope), d));
  });
}
