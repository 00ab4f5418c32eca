/**
 * Electron drift: velocity from the field, drift time, lifetime attenuation
 * and diffusion widths. Tensor level (caller's tidy).
 */
import { tf, type Tensor } from '../../autodiff/index.js';
import { MOBILITY_PARAMS, MOBILITY_T0_K } from './constants.js';

/**
 * Electron mobility in LAr [cm^2/(V s)] at field E [kV/cm] and temperature T [K]
 * (Li et al., NIM A 816 (2016) 160; larnd-sim `electron_mobility`).
 */
export function electronMobility(efield: Tensor, temperatureK: Tensor): Tensor {
  const [a0, a1, a2, a3, a4, a5] = MOBILITY_PARAMS;
  const e = efield;
  const e15 = tf.pow(e, 1.5);
  const num = tf.addN([tf.scalar(a0), tf.mul(a1, e), tf.mul(a2, e15), tf.mul(a3, tf.mul(e15, e))]);
  const e2 = tf.square(e);
  const den = tf.addN([tf.scalar(1), tf.mul(a1 / a0, e), tf.mul(a4, e2), tf.mul(a5, tf.mul(e2, e))]);
  return tf.mul(tf.div(num, den), tf.pow(tf.div(temperatureK, MOBILITY_T0_K), -1.5));
}

/**
 * Drift velocity [cm/µs] = E mu: E [kV/cm] x mu [cm^2/(V s)] x 1e3 V/kV x 1e-6 s/µs.
 * At 0.5 kV/cm and 87.17 K: 0.1597 cm/µs.
 *
 * @example
 * ```ts
 * driftVelocity(tf.scalar(0.5), tf.scalar(87.17)).dataSync()[0]; // 0.1597
 * ```
 */
export function driftVelocity(efield: Tensor, temperatureK: Tensor): Tensor {
  return tf.mul(tf.mul(efield, electronMobility(efield, temperatureK)), 1e-3);
}

/**
 * Floor on the diffusion width [cm]: keeps the Gaussian clouds of charge
 * deposited right at the anode finite (sigma = sqrt(2 D t + floor^2)); it is
 * 0.3 % of the width after a 1 cm drift.
 */
export const SIGMA_FLOOR_CM = 1e-3;

/** Lifetime survival exp(-t / tau); t and tau in µs. */
export function lifetimeSurvival(tDriftUs: Tensor, lifetimeUs: Tensor): Tensor {
  return tf.exp(tf.neg(tf.div(tDriftUs, lifetimeUs)));
}

/** Diffusion width sqrt(2 D t + floor^2) [cm]; D [cm^2/µs], t [µs]. */
export function diffusionSigma(D: Tensor, tDriftUs: Tensor): Tensor {
  return tf.sqrt(tf.add(tf.mul(tf.mul(2, D), tDriftUs), SIGMA_FLOOR_CM * SIGMA_FLOOR_CM));
}
