/**
 * Photon pairs → invariant mass. For massless photons of energies E₁, E₂ and
 * opening angle θ₁₂: m = √(2 E₁ E₂ (1 − cos θ₁₂)), with
 * cos θ₁₂ = cos θ₁ cos θ₂ + sin θ₁ sin θ₂ cos(φ₁ − φ₂) for polar angles θ and
 * azimuths φ (the vertex at the origin).
 */
import { tf, type Tensor, ShapeMismatchError } from '../../autodiff/index.js';

/**
 * cos θ₁₂ from polar angles and azimuths [rad] (tensors of one shape).
 *
 * @example
 * ```ts
 * openingCosine(tf.scalar(Math.PI / 2), tf.scalar(0), tf.scalar(Math.PI / 2), tf.scalar(Math.PI)); // −1
 * ```
 */
export function openingCosine(theta1: Tensor, phi1: Tensor, theta2: Tensor, phi2: Tensor): Tensor {
  for (const [n, t] of [['phi1', phi1], ['theta2', theta2], ['phi2', phi2]] as const) {
    if (t.size !== theta1.size) throw new ShapeMismatchError(n, theta1.shape, t.shape);
  }
  return tf.add(tf.mul(tf.cos(theta1), tf.cos(theta2)), tf.mul(tf.mul(tf.sin(theta1), tf.sin(theta2)), tf.cos(tf.sub(phi1, phi2))));
}

/**
 * Invariant mass [GeV] of photon pairs: √(2 E₁ E₂ (1 − cos θ₁₂)); the
 * argument is floored at 0 (a negative energy from noise gives mass 0, not NaN).
 *
 * @example
 * ```ts
 * diphotonMass(tf.scalar(62.5), tf.scalar(62.5), tf.scalar(-1)); // 125
 * ```
 */
export function diphotonMass(e1: Tensor, e2: Tensor, cosOpening: Tensor): Tensor {
  if (e2.size !== e1.size) throw new ShapeMismatchError('e2', e1.shape, e2.shape);
  if (cosOpening.size !== e1.size) throw new ShapeMismatchError('cosOpening', e1.shape, cosOpening.shape);
  return tf.sqrt(tf.add(tf.relu(tf.mul(tf.mul(2, tf.mul(e1, e2)), tf.sub(1, cosOpening))), 1e-12));
}
