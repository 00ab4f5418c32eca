/**
 * Hit selection with a soft threshold: each hit keeps the weight
 * w = trigger weight · σ((q − threshold)/width), so the threshold and
 * everything that sets the charges have gradients. Bias: hits within a few
 * widths of the threshold are partly kept (see src/autodiff/relax/sigmoid-cut.ts);
 * exact as width → 0. Tensor level.
 */
import { tf, type Tensor, sigmoidCut } from '../../autodiff/index.js';
import type { RecoHits } from './hits.js';

/**
 * Selection weights [n] of the hits.
 *
 * @example
 * ```ts
 * const w = selectionWeights(hits, tf.scalar(3000), tf.scalar(500));
 * ```
 */
export function selectionWeights(h: RecoHits, threshold: Tensor, width: Tensor): Tensor {
  return tf.mul(h.weight, sigmoidCut(h.charge, threshold, tf.div(1, width)));
}
