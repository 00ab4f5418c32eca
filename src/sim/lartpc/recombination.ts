/**
 * Recombination of ionization electrons with argon ions: the fraction R of
 * the ionization charge that escapes, as a differentiable function of dE/dx,
 * the drift field and the model parameters. Tensor level (caller's tidy).
 *
 * - Box model (ArgoNeuT, JINST 8 (2013) P08005): R = ln(alpha + xi) / xi,
 *   xi = beta (dE/dx) / (E rho).
 * - Birks model (ICARUS, NIM A 523 (2004) 275): R = A_b / (1 + k_b (dE/dx) / (E rho)).
 *
 * Electrons: n_e = R dE / W_ion.
 */
import { tf, type Tensor } from '../../autodiff/index.js';
import { LAR_DENSITY_G_CM3, W_ION_MEV } from './constants.js';

/** Recombination model name. */
export type RecombinationModel = 'box' | 'birks';

/** Birks recombination factor; dEdx [MeV/cm], efield [kV/cm], kb [(kV/cm)(g/cm^2)/MeV]. */
export function birksRecombination(dEdx: Tensor, efield: Tensor, Ab: Tensor, kb: Tensor): Tensor {
  const x = tf.div(tf.mul(kb, dEdx), tf.mul(efield, LAR_DENSITY_G_CM3));
  return tf.div(Ab, tf.add(1, x));
}

/** Box recombination factor; beta [(kV/cm)(g/cm^2)/MeV]. */
export function boxRecombination(dEdx: Tensor, efield: Tensor, alpha: Tensor, beta: Tensor): Tensor {
  const xi = tf.div(tf.mul(beta, dEdx), tf.mul(efield, LAR_DENSITY_G_CM3));
  return tf.div(tf.log(tf.add(alpha, xi)), xi);
}

/** Recombination parameters as the simulation's parameter tree holds them. */
export interface RecombinationParams {
  Ab: Tensor;
  kb: Tensor;
  alpha: Tensor;
  beta: Tensor;
}

/**
 * Ionization electrons surviving recombination, n_e = R dE / W_ion, for the
 * chosen model. dE [MeV] and dEdx [MeV/cm] are per segment.
 *
 * @example
 * ```ts
 * const ne = ionizationElectrons(tf.tensor1d([0.84]), tf.tensor1d([2.1]), tf.scalar(0.5), rp, 'birks'); // ~2.4e4
 * ```
 */
export function ionizationElectrons(dE: Tensor, dEdx: Tensor, efield: Tensor, p: RecombinationParams, model: RecombinationModel): Tensor {
  const R = model === 'birks' ? birksRecombination(dEdx, efield, p.Ab, p.kb) : boxRecombination(dEdx, efield, p.alpha, p.beta);
  return tf.mul(R, tf.div(dE, W_ION_MEV));
}
