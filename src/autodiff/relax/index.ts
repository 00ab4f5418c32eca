/**
 * Relaxations: differentiable stand-ins for the hard operations of an
 * analysis chain (cuts, thresholds, histograms, argmax, matching, max/min,
 * rounding). Each file states the relaxation's bias and the limit in which it
 * becomes exact. All are tensor-level: call them inside differentiated code
 * (memory is the caller's `tidy`).
 *
 * @example
 * ```ts
 * import { tf, valueAndGrad, softHistogram } from 'diffhep/autodiff';
 * const x = tf.tensor1d([0.1, 0.4, 0.45, 0.9]);
 * const { grad } = valueAndGrad((p: any) => softHistogram(x, p.edges, 0.05).slice([0], [1]).sum())({ edges: tf.tensor1d([0, 0.5, 1]) });
 * ```
 */
export * from './sigmoid-cut.js';
export * from './soft-threshold.js';
export * from './soft-histogram.js';
export * from './soft-argmax.js';
export * from './soft-assignment.js';
export * from './smooth-max.js';
export * from './straight-through.js';
