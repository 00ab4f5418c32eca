/**
 * Geometry optimization for significance at a fixed cost: the absorber and
 * active thicknesses (log transforms) and the 20 calibration offsets are
 * trained; the cell size is the one that keeps the cost (calo-design's
 * model) equal to the budget, s = √(C / (n² L (a·1 + g·0.4))), so every
 * iterate costs exactly the budget. Loss: −Z of the chain on a fresh event
 * batch per step plus calo-design's softplus hinge on the 18 cm depth limit.
 */
import { tf, type Tensor, ParamSet, param } from '../../src/autodiff/index.js';
import { CALO, SETUP } from './setup.js';
import { significanceOfTree } from './significance.js';
import type { EventSample } from './sample.js';

/** Trainable parameters of the optimization. */
export function optimizationParams(start: { absorberCm: number; activeCm: number }, calibration: number[]): ParamSet {
  return new ParamSet({
    absorberCm: param(start.absorberCm, { unit: 'cm', transform: 'log', doc: 'absorber thickness of every layer' }),
    activeCm: param(start.activeCm, { unit: 'cm', transform: 'log', doc: 'active thickness of every layer' }),
    calibration: param(calibration, { doc: 'δ_l: w_l = (1 + δ_l)/(ê f_l)' }),
  });
}

/** Cell size [cm] at cost `budget` for thickness tensors a, g. */
export function cellSizeAtCostTensor(a: Tensor, g: Tensor, budget: number): Tensor {
  const perArea = tf.mul(CALO.cellsPerSide ** 2 * CALO.nLayers, tf.add(tf.mul(a, CALO.costPerCm3.absorber), tf.mul(g, CALO.costPerCm3.active)));
  return tf.sqrt(tf.div(budget, perArea));
}

/** The depth penalty (calo-design's hinge on the depth limit, weighted in significance units). */
export function depthPenaltyTensor(a: Tensor, g: Tensor): Tensor {
  const depth = tf.mul(tf.add(a, g), CALO.nLayers);
  const w = CALO.hingeWidth;
  return tf.mul(SETUP.depthPenaltyWeight * w, tf.softplus(tf.div(tf.sub(tf.div(depth, CALO.depthLimitCm), 1), w)));
}

/** Training loss −Z + depth penalty at physical parameters p (tensor level). */
export function optimizationLoss(p: { absorberCm: Tensor; activeCm: Tensor; calibration: Tensor }, sample: EventSample, budget: number): Tensor {
  const L = CALO.nLayers;
  const a = p.absorberCm.reshape([]);
  const g = p.activeCm.reshape([]);
  const t = SETUP.truth;
  const z = significanceOfTree(
    {
      absorberCm: tf.mul(tf.ones([L]), a),
      activeCm: tf.mul(tf.ones([L]), g),
      cellSizeCm: cellSizeAtCostTensor(a, g, budget),
      calibration: p.calibration,
      mass: tf.scalar(t.mass),
      width: tf.scalar(t.width),
      mu: tf.scalar(t.mu),
      slope: tf.scalar(t.slope),
      curvature: tf.scalar(t.curvature),
    },
    sample,
  );
  return tf.add(tf.neg(z), depthPenaltyTensor(a, g));
}
