/**
 * The chain's expected discovery significance as a function of a parameter
 * tree (tensor level), and the plain-number evaluations used by the
 * gradient checks, the optimization and the design comparison.
 */
import { tf, type Tensor } from '../../src/autodiff/index.js';
import { chainEvents, chainParams, templates, type ChainParams, type ChainPoint } from './chain.js';
import { expectedSignificance, expectedSignificanceValue, plainTemplates, type PlainTemplates } from './model.js';
import type { EventSample } from './sample.js';

/** The parameter tree of `significanceOfTree` (layers as [L] tensors). */
export type ChainTree = Record<keyof ChainParams, Tensor>;

/** Z of the chain for a tree of tensors (differentiable in every leaf). */
export function significanceOfTree(p: ChainTree, sample: EventSample): Tensor {
  return expectedSignificance(templates(chainEvents(p, sample)));
}

/** Plain tree of a chain point (numbers and arrays) for the gradient transforms. */
export function treeOf(p: ChainPoint): Record<string, number | Tensor> {
  return tf.tidy(() => {
    const c = chainParams(p);
    return {
      absorberCm: tf.keep(c.absorberCm),
      activeCm: tf.keep(c.activeCm),
      cellSizeCm: c.cellSizeCm.dataSync()[0],
      calibration: tf.keep(c.calibration),
      mass: c.mass.dataSync()[0],
      width: c.width.dataSync()[0],
      mu: c.mu.dataSync()[0],
      slope: c.slope.dataSync()[0],
      curvature: c.curvature.dataSync()[0],
    };
  });
}

/** Templates of a chain point on a sample, as plain arrays. */
export function templatesAt(p: ChainPoint, sample: EventSample): PlainTemplates {
  return tf.tidy(() => plainTemplates(templates(chainEvents(chainParams(p), sample))) as never) as PlainTemplates;
}

/** Z of a chain point on a sample (float64 profile fit of the float32 templates). */
export function significanceAt(p: ChainPoint, sample: EventSample): number {
  return expectedSignificanceValue(templatesAt(p, sample));
}
