/**
 * dE/dx along a track: the energies of its hits histogrammed (soft, Gaussian
 * kernel of `bandwidthCm`) in their projection on the track axis, divided by
 * the bin width. Differentiable in the energies and the projections (so in
 * the calibration constants and the geometry); the bin edges are fixed
 * numbers. Bias: that of the soft histogram (entries within a few bandwidths
 * of an edge are shared with the neighbour bin; see
 * src/autodiff/relax/soft-histogram.ts). Tensor level.
 */
import { tf, type Tensor, DomainError, softHistogram } from '../../autodiff/index.js';

/**
 * dE/dx [MeV/cm] in bins of `binCm` from `fromCm` to `toCm` along the axis.
 *
 * @example
 * ```ts
 * const prof = dedxProfile(ax.projection, tf.mul(w, dE), -10, 10, 1); // 20 bins of 1 cm
 * ```
 */
export function dedxProfile(projectionCm: Tensor, energyMeV: Tensor, fromCm: number, toCm: number, binCm: number, bandwidthCm = 0.25 * binCm): Tensor {
  if (!(binCm > 0)) throw new DomainError('binCm', binCm, 'must be > 0 cm');
  if (!(toCm > fromCm)) throw new DomainError('toCm', toCm, `must exceed fromCm = ${fromCm}`);
  const nb = Math.max(1, Math.round((toCm - fromCm) / binCm));
  const edges = Array.from({ length: nb + 1 }, (_, k) => fromCm + k * binCm);
  return tf.div(softHistogram(projectionCm, edges, bandwidthCm, energyMeV), binCm);
}

/**
 * Truncated mean of a dE/dx profile: the mean of the bins between the
 * `lo` and `hi` quantiles of their values (the bins are chosen on the host;
 * the mean is differentiable). Robust against the Bragg peak and δ-ray-like outliers.
 *
 * @example
 * ```ts
 * truncatedMeanDedx(tf.tensor1d([2.1, 2.0, 2.2, 9.5, 2.1]), 0.2, 0.8); // mean of the middle bins ≈ 2.13
 * ```
 */
export function truncatedMeanDedx(profile: Tensor, lo = 0.1, hi = 0.9): Tensor {
  if (!(lo >= 0 && hi <= 1 && hi > lo)) throw new DomainError('quantiles', [lo, hi], 'need 0 ≤ lo < hi ≤ 1');
  const v = Array.from(profile.dataSync());
  const order = v.map((x, i) => [x, i] as const).filter(([x]) => x > 0).sort((a, b) => a[0] - b[0]);
  if (order.length === 0) return tf.scalar(0);
  const a = Math.floor(lo * order.length);
  const b = Math.max(a + 1, Math.ceil(hi * order.length));
  const keep = Int32Array.from(order.slice(a, b).map(([, i]) => i));
  return tf.mean(tf.gather(profile, tf.tensor1d(keep, 'int32')));
}
