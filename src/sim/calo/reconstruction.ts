/**
 * Energy reconstruction from layer sums: E_rec = Σ_l w_l V_l with per-layer
 * calibration weights w_l (trainable), started at 1/(ê f_samp,l); and the
 * least-squares weights that minimize Σ (E_rec/E − 1)² for a sample.
 */
import { tf, type Tensor, linalg, DomainError, ShapeMismatchError } from '../../autodiff/index.js';

/**
 * E_rec [B] = visibleLayers [B, L] · weights [L]. Tensor level.
 *
 * @example
 * ```ts
 * const eRec = calibratedLayerSum(r.visibleLayers, tf.tensor1d(initialWeights(fSamp, eHat)));
 * ```
 */
export function calibratedLayerSum(visibleLayers: Tensor, weights: Tensor): Tensor {
  if (visibleLayers.rank !== 2 || weights.rank !== 1 || weights.shape[0] !== visibleLayers.shape[1]) {
    throw new ShapeMismatchError('weights', [visibleLayers.shape[1] ?? -1], weights.shape);
  }
  return tf.sum(tf.mul(visibleLayers, weights.reshape([1, -1])), 1);
}

/** Initial calibration weights 1/(ê f_l). */
export function initialWeights(samplingFraction: ArrayLike<number>, eHat: number): number[] {
  return Array.from(samplingFraction, (f, i) => {
    if (!(f > 0)) throw new DomainError(`samplingFraction[${i}]`, f, 'must be > 0');
    return 1 / (eHat * f);
  });
}

/**
 * Least-squares weights minimizing Σ_b (Σ_l w_l V_bl / E_b − 1)² + λ Σ_l ((w_l − w0_l)/w0_l)²
 * (a small ridge λ, scaled to the data, towards `prior` keeps layers with no signal determined).
 *
 * @example
 * ```ts
 * const w = leastSquaresWeights(ev.visibleLayers, ev.energyGeV, ev.nLayers, initialWeights(ev.samplingFraction, ev.eHat));
 * ```
 */
export function leastSquaresWeights(visibleLayers: Float32Array | Float64Array, energyGeV: ArrayLike<number>, nLayers: number, prior: number[], ridge = 1e-6): number[] {
  const B = energyGeV.length;
  if (visibleLayers.length !== B * nLayers) throw new ShapeMismatchError('visibleLayers', [B, nLayers], [visibleLayers.length]);
  const A: number[][] = Array.from({ length: nLayers }, () => new Array(nLayers).fill(0));
  const rhs = new Array(nLayers).fill(0);
  for (let b = 0; b < B; b++) {
    const e = energyGeV[b];
    for (let i = 0; i < nLayers; i++) {
      const xi = visibleLayers[b * nLayers + i] / e;
      rhs[i] += xi;
      for (let j = 0; j <= i; j++) A[i][j] += xi * (visibleLayers[b * nLayers + j] / e);
    }
  }
  // Scale the ridge to the data so it stays a regularizer, not a bias.
  let trace = 0;
  for (let i = 0; i < nLayers; i++) trace += A[i][i];
  const lam = (ridge * trace) / nLayers;
  for (let i = 0; i < nLayers; i++) {
    for (let j = 0; j < i; j++) A[j][i] = A[i][j];
    const scale = lam / (prior[i] * prior[i]);
    A[i][i] += scale;
    rhs[i] += scale * prior[i];
  }
  return linalg.solve(A, rhs);
}
