/**
 * Fisher information of a binned Poisson model and the Cramér–Rao bound on
 * its parameter of interest — INFERNO's loss (de Castro & Dorigo,
 * arXiv:1806.04743): the expected variance of the POI, (I⁻¹)_{00}, on the
 * Asimov dataset, with I_ij = Σ_b ∂_iλ_b ∂_jλ_b / λ_b + constraint terms.
 * Everything is a tensor function, differentiable in whatever produced the
 * rates (network parameters through soft histograms).
 */
import { tf, type Tensor, DomainError } from '../../autodiff/index.js';

/**
 * I(θ₀) for rates λ(θ) (a function of a 1-D parameter tensor) plus the
 * Gaussian constraint precisions `constraintPrecision[i]` (1/σᵢ², 0 for
 * unconstrained) on the diagonal. The Jacobian is taken by autodiff (one pass
 * per parameter via a linearization u ↦ λ(θ₀ + u·eᵢ)), so the result stays
 * differentiable in anything λ closes over.
 */
export function fisherInformation(rates: (theta: Tensor) => Tensor, theta0: number[], constraintPrecision?: number[]): Tensor {
  const k = theta0.length;
  if (constraintPrecision && constraintPrecision.length !== k) throw new DomainError('constraintPrecision', constraintPrecision.length, `expected ${k} values`);
  const th = tf.tensor1d(theta0);
  const lam = rates(th);
  const cols: Tensor[] = [];
  for (let i = 0; i < k; i++) {
    const e = new Float32Array(k);
    e[i] = 1;
    const ei = tf.tensor1d(e);
    // dλ/dθᵢ as a function of everything λ closes over: d/du λ(θ₀ + u eᵢ) at u = 0, via a VJP-of-VJP (forward mode).
    const u0 = tf.scalar(0);
    const ones = tf.onesLike(lam);
    const jvp = tf.grad((w: Tensor) => {
      const g = tf.grad((u: Tensor) => tf.sum(tf.mul(rates(tf.add(th, tf.mul(u, ei))), w)))(u0);
      return g;
    });
    // For a scalar u, d/du λ_b = ∂/∂w_b [Σ w_b dλ_b/du]: the outer gradient in w returns the column.
    cols.push(jvp(ones));
  }
  const J = tf.stack(cols, 1); // [bins, k]
  const Jw = tf.div(J, tf.expandDims(lam, 1));
  let info = tf.matMul(J, Jw, true, false);
  if (constraintPrecision) info = tf.add(info, tf.diag(tf.tensor1d(constraintPrecision)));
  return info;
}

/**
 * (A⁻¹)_{ii} of a small symmetric positive-definite tensor matrix by
 * Gaussian elimination written with differentiable ops (k ≲ 10).
 */
export function inverseDiagonalElement(a: Tensor, i: number): Tensor {
  const k = a.shape[0];
  if (a.rank !== 2 || a.shape[1] !== k) throw new DomainError('matrix', a.shape, 'expected a square matrix');
  if (!(i >= 0 && i < k)) throw new DomainError('index', i, `expected 0..${k - 1}`);
  // Solve A x = e_i by elimination on scalar entries.
  const m: Tensor[][] = [];
  for (let r = 0; r < k; r++) {
    const row: Tensor[] = [];
    for (let c = 0; c < k; c++) row.push(a.slice([r, c], [1, 1]).reshape([]));
    row.push(tf.scalar(r === i ? 1 : 0));
    m.push(row);
  }
  for (let p = 0; p < k; p++) {
    for (let r = p + 1; r < k; r++) {
      const f = tf.div(m[r][p], m[p][p]);
      for (let c = p; c <= k; c++) m[r][c] = tf.sub(m[r][c], tf.mul(f, m[p][c]));
    }
  }
  const x: Tensor[] = new Array(k);
  for (let r = k - 1; r >= 0; r--) {
    let s = m[r][k];
    for (let c = r + 1; c < k; c++) s = tf.sub(s, tf.mul(m[r][c], x[c]));
    x[r] = tf.div(s, m[r][r]);
  }
  return x[i];
}

/**
 * The Cramér–Rao bound σ_POI = √((I⁻¹)_{poi,poi}) — the INFERNO loss and the
 * expected uncertainty of the POI.
 *
 * @example
 * ```ts
 * // λ = s·sig + b·bkg(θ): POI s at index 0
 * const sigma = cramerRaoUncertainty((th) => tf.add(tf.mul(th.slice([0], [1]), sig), bkg), [50], 0);
 * ```
 */
export function cramerRaoUncertainty(rates: (theta: Tensor) => Tensor, theta0: number[], poiIndex: number, constraintPrecision?: number[]): Tensor {
  return tf.sqrt(inverseDiagonalElement(fisherInformation(rates, theta0, constraintPrecision), poiIndex));
}
