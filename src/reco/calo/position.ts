/**
 * Cluster position by the log-weighted centroid (Awes et al., Nucl. Instrum.
 * Meth. A311 (1992) 130): x̄ = Σ w_c x_c / Σ w_c with
 * w_c = max(0, w0 + ln(E_c/E)), which weights the cells by the logarithm of
 * their energy fraction (nearly unbiased for an exponential lateral profile,
 * unlike the linear centroid pulled to the cell centre), and cuts cells below
 * a fraction e^−w0 of the cluster energy. Made smooth: max(0, z) becomes
 * τ·softplus(z/τ) and E_c the positive part ε·softplus(E_c/ε) (ε = 10⁻⁴ E),
 * so noise cells (E_c ≤ 0) get weight ≈ 0 and the position is differentiable
 * in every cell energy.
 */
import { tf, type Tensor, DomainError, ShapeMismatchError } from '../../autodiff/index.js';

/** Options of `logWeightedCentroid`. */
export interface CentroidOptions {
  /** Cut-off parameter w0 (default 4.0; Awes et al. find 4 optimal for lead glass, CMS uses 4.7 for PbWO4). */
  w0?: number;
  /** Softness τ of the max(0, ·) (default 0.1). */
  softness?: number;
}

/**
 * Log-weighted centroid [B, 2] (x, y) of cell energies [B, C] at centres
 * x, y [C]. Tensor level.
 *
 * @example
 * ```ts
 * const pos = logWeightedCentroid(tf.tensor2d([[1, 8, 1]]), tf.tensor1d([-1, 0, 1]), tf.zeros([3])); // ≈ [[0, 0]]
 * ```
 */
export function logWeightedCentroid(energies: Tensor, x: Tensor, y: Tensor, options: CentroidOptions = {}): Tensor {
  const w0 = options.w0 ?? 4;
  const tau = options.softness ?? 0.1;
  if (!(w0 > 0) || !Number.isFinite(w0)) throw new DomainError('w0', w0, 'must be finite and > 0');
  if (!(tau > 0) || !Number.isFinite(tau)) throw new DomainError('softness', tau, 'must be finite and > 0');
  if (energies.rank !== 2) throw new ShapeMismatchError('energies', [-1, x.size], energies.shape);
  const C = energies.shape[1] as number;
  if (x.size !== C || y.size !== C) throw new ShapeMismatchError('x, y', [C], x.shape);
  const total = tf.sum(tf.relu(energies), 1, true);
  const eps = tf.add(tf.mul(total, 1e-4), 1e-12);
  const positive = tf.add(tf.mul(eps, tf.softplus(tf.div(energies, eps))), tf.mul(eps, 1e-6));
  const z = tf.add(w0, tf.log(tf.div(positive, tf.add(total, 1e-12))));
  const w = tf.mul(tau, tf.softplus(tf.div(z, tau)));
  const norm = tf.add(tf.sum(w, 1, true), 1e-20);
  const cx = tf.div(tf.sum(tf.mul(w, x.reshape([1, -1])), 1, true), norm);
  const cy = tf.div(tf.sum(tf.mul(w, y.reshape([1, -1])), 1, true), norm);
  return tf.concat([cx, cy], 1);
}
