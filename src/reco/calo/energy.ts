/**
 * Cluster energy from per-layer cluster energies with trainable per-layer
 * calibration weights, E = Σ_l w_l E_l, w_l = (1 + δ_l)/(ê f_l): the
 * sampling-fraction weights 1/(ê f_l) of the simulation's read-out (mip
 * sampling fraction f_l, e/mip ratio ê) times trainable offsets δ_l (as the
 * layer weights of the ATLAS/CALICE energy calibrations).
 */
import { tf, type Tensor, ShapeMismatchError, DomainError } from '../../autodiff/index.js';

/**
 * w_l = (1 + δ_l)/(ê f_l) (tensor level, differentiable in f_l and δ_l).
 *
 * @example
 * ```ts
 * const w = calibrationWeights(medium.samplingFraction, medium.eHat, tf.zeros([20]));
 * ```
 */
export function calibrationWeights(samplingFraction: Tensor, eHat: number, offsets: Tensor): Tensor {
  if (samplingFraction.rank !== 1) throw new ShapeMismatchError('samplingFraction', [-1], samplingFraction.shape);
  if (offsets.rank !== 1 || offsets.size !== samplingFraction.size) throw new ShapeMismatchError('offsets', samplingFraction.shape, offsets.shape);
  if (!(eHat > 0) || !Number.isFinite(eHat)) throw new DomainError('eHat', eHat, 'must be finite and > 0');
  return tf.div(tf.add(1, offsets), tf.mul(samplingFraction, eHat));
}

/**
 * Calibrated energy [...] = Σ_l w_l E_l for layer energies [..., L] and weights [L].
 *
 * @example
 * ```ts
 * const e = calibratedEnergy(clusters.layerEnergies, w); // [B, K]
 * ```
 */
export function calibratedEnergy(layerEnergies: Tensor, weights: Tensor): Tensor {
  const L = layerEnergies.shape[layerEnergies.rank - 1];
  if (weights.rank !== 1 || weights.size !== L) throw new ShapeMismatchError('weights', [L], weights.shape);
  const shape = Array.from({ length: layerEnergies.rank }, (_, i) => (i === layerEnergies.rank - 1 ? L : 1));
  return tf.sum(tf.mul(layerEnergies, weights.reshape(shape)), -1);
}
