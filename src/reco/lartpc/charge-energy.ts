/**
 * Charge to energy: the lifetime correction q·exp(t/τ) and the inversion of
 * Birks recombination (ICARUS, NIM A 523 (2004) 275; the model the
 * simulation uses, src/sim/lartpc/recombination.ts):
 *
 *   dQ/dx = A_b (dE/dx)/W / (1 + k_b (dE/dx)/(E ρ))
 *   ⇒ dE = dQ·W / (A_b − k_b (dQ/dx) W/(E ρ)),  dE/dx = (dQ/dx)·W / (A_b − k_b (dQ/dx) W/(E ρ)),
 *
 * W = 23.6 eV, ρ = 1.38 g/cm³ (larnd-sim constants). Birks saturates at
 * (dQ/dx)·W = A_b E ρ/k_b (11.4 MeV/cm at nominal): charge densities near it
 * (noise, overlapping particles) would give unbounded energies, so the
 * factor r = 1 − k_b (dQ/dx) W/(A_b E ρ) is floored smoothly at
 * R_FLOOR (a softplus; changes r by < 1e-4 for r > 0.15). Tensor level.
 */
import { tf, type Tensor } from '../../autodiff/index.js';
import { W_ION_MEV, LAR_DENSITY_G_CM3 } from './sim-imports.js';

/** Smallest recombination-inversion factor r (see the module doc). */
export const R_FLOOR = 0.05;
const FLOOR_SHARPNESS = 50;

/**
 * Lifetime-corrected charge q·exp(t/τ); t and τ in µs.
 *
 * @example
 * ```ts
 * lifetimeCorrected(tf.tensor1d([1e4]), tf.tensor1d([100]), tf.scalar(2200)); // [10465]
 * ```
 */
export function lifetimeCorrected(q: Tensor, tDriftUs: Tensor, lifetimeUs: Tensor): Tensor {
  return tf.mul(q, tf.exp(tf.div(tDriftUs, lifetimeUs)));
}

/**
 * The factor r = 1 − k_b (dQ/dx) W/(A_b E ρ), floored smoothly at R_FLOOR.
 *
 * @example
 * ```ts
 * birksInversionFactor(tf.scalar(6.2e4), tf.scalar(0.5), tf.scalar(0.8), tf.scalar(0.0486)); // ≈ 0.871 for a MIP (2.1 MeV/cm)
 * ```
 */
export function birksInversionFactor(dQdxE: Tensor, efield: Tensor, Ab: Tensor, kb: Tensor): Tensor {
  const r = tf.sub(1, tf.div(tf.mul(tf.mul(kb, dQdxE), W_ION_MEV), tf.mul(tf.mul(Ab, efield), LAR_DENSITY_G_CM3)));
  return tf.add(R_FLOOR, tf.div(tf.softplus(tf.mul(tf.sub(r, R_FLOOR), FLOOR_SHARPNESS)), FLOOR_SHARPNESS));
}

/**
 * Deposited energy [MeV] of charges dQ [electrons] with local charge density
 * dQ/dx [electrons/cm] (Birks inversion).
 *
 * @example
 * ```ts
 * // a MIP: 2.1 MeV/cm → 6.2e4 e⁻/cm after recombination; 1 cm of it back to ≈ 2.1 MeV
 * const e = birksEnergy(tf.scalar(6.2e4), tf.scalar(6.2e4), tf.scalar(0.5), tf.scalar(0.8), tf.scalar(0.0486));
 * ```
 */
export function birksEnergy(dQ: Tensor, dQdxE: Tensor, efield: Tensor, Ab: Tensor, kb: Tensor): Tensor {
  return tf.div(tf.mul(dQ, W_ION_MEV), tf.mul(Ab, birksInversionFactor(dQdxE, efield, Ab, kb)));
}

/**
 * Stopping power [MeV/cm] from the local charge density [electrons/cm] (Birks inversion).
 *
 * @example
 * ```ts
 * birksDedx(tf.scalar(6.2e4), tf.scalar(0.5), tf.scalar(0.8), tf.scalar(0.0486)); // ≈ 2.1 MeV/cm
 * ```
 */
export function birksDedx(dQdxE: Tensor, efield: Tensor, Ab: Tensor, kb: Tensor): Tensor {
  return birksEnergy(dQdxE, dQdxE, efield, Ab, kb);
}
