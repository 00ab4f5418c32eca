/**
 * Straight-track fit: the charge-weighted principal axis of a set of points.
 * Centroid c = Σ w x / Σ w, covariance C = Σ w (x − c)(x − c)ᵀ / Σ w, the
 * direction u is C's leading eigenvector and λ₁ ≥ λ₂ ≥ λ₃ its eigenvalues.
 * The eigen-decomposition runs on the host (Jacobi, float64) and is a custom
 * op whose gradient is the first-order perturbation result
 * dλ₁ = uᵀ dC u, du = Σ_{k≠1} v_k v_kᵀ dC u / (λ₁ − λ_k) (exact; needs
 * λ₁ > λ₂, which a track has). Lengths:
 * - `rmsLength` = √(12 λ₁): the length of a uniformly charged segment with
 *   that variance (exact for a MIP track, shorter for a Bragg peak);
 * - `extent` = soft max − soft min of the projections s = (x − c)·u over the
 *   selected hits (log-sum-exp at temperature T, weighted by the selection:
 *   over-estimates each end by at most T ln(hits within a few T)).
 * Tensor level.
 */
import { tf, type Tensor, customGradient, DomainError } from '../../autodiff/index.js';

/**
 * Eigenvalues (decreasing) and eigenvectors of a symmetric 3×3 matrix
 * (row-major, 9 numbers), float64 (cyclic Jacobi).
 *
 * @example
 * ```ts
 * symmetricEigen3([2, 0, 0, 0, 5, 0, 0, 0, 1]).values; // [5, 2, 1]
 * ```
 */
export function symmetricEigen3(a: ArrayLike<number>): { values: number[]; vectors: number[][] } {
  const m = [
    [a[0], 0.5 * (a[1] + a[3]), 0.5 * (a[2] + a[6])],
    [0.5 * (a[1] + a[3]), a[4], 0.5 * (a[5] + a[7])],
    [0.5 * (a[2] + a[6]), 0.5 * (a[5] + a[7]), a[8]],
  ];
  const v = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = m[0][1] ** 2 + m[0][2] ** 2 + m[1][2] ** 2;
    if (off <= 1e-30 * (m[0][0] ** 2 + m[1][1] ** 2 + m[2][2] ** 2) || off === 0) break;
    for (const [p, q] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ]) {
      if (m[p][q] === 0) continue;
      const theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < 3; k++) {
        const mkp = m[k][p];
        const mkq = m[k][q];
        m[k][p] = c * mkp - s * mkq;
        m[k][q] = s * mkp + c * mkq;
      }
      for (let k = 0; k < 3; k++) {
        const mpk = m[p][k];
        const mqk = m[q][k];
        m[p][k] = c * mpk - s * mqk;
        m[q][k] = s * mpk + c * mqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k][p];
        const vkq = v[k][q];
        v[k][p] = c * vkp - s * vkq;
        v[k][q] = s * vkp + c * vkq;
      }
    }
  }
  const order = [0, 1, 2].sort((i, j) => m[j][j] - m[i][i]);
  return { values: order.map((i) => m[i][i]), vectors: order.map((i) => [v[0][i], v[1][i], v[2][i]]) };
}

/**
 * Leading eigenpair of a symmetric 3×3 tensor C ([3, 3]) as a [4] tensor
 * (λ₁, u_x, u_y, u_z), with u oriented so that u·ref ≥ 0. Differentiable in C.
 *
 * @example
 * ```ts
 * leadingEigenpair(tf.tensor2d([4, 0, 0, 0, 1, 0, 0, 0, 1], [3, 3]), [1, 0, 0]); // [4, 1, 0, 0]
 * ```
 */
export function leadingEigenpair(C: Tensor, ref: [number, number, number] = [0, 0, 0]): Tensor {
  const op = customGradient((c: Tensor) => {
    const a = c.dataSync();
    const { values, vectors } = symmetricEigen3(a);
    let u = vectors[0];
    const dotRef = u[0] * ref[0] + u[1] * ref[1] + u[2] * ref[2];
    const big = [0, 1, 2].reduce((b, k) => (Math.abs(u[k]) > Math.abs(u[b]) ? k : b), 0);
    if (dotRef < 0 || (dotRef === 0 && u[big] < 0)) u = u.map((x) => -x);
    return {
      value: tf.tensor1d([values[0], u[0], u[1], u[2]]),
      gradFunc: (dy: Tensor) => {
        const g = dy.dataSync();
        const G = new Float32Array(9);
        for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) G[3 * i + j] += g[0] * u[i] * u[j];
        for (let k = 1; k < 3; k++) {
          const gap = values[0] - values[k];
          if (!(gap > 0)) continue;
          const vk = vectors[k];
          const coef = (vk[0] * g[1] + vk[1] * g[2] + vk[2] * g[3]) / gap;
          for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) G[3 * i + j] += coef * vk[i] * u[j];
        }
        return tf.tensor2d(G, [3, 3]);
      },
    };
  });
  return op(C);
}

/** Result of `principalAxis` (tensors). */
export interface PrincipalAxis {
  /** [3] charge-weighted centroid [cm]. */
  centroid: Tensor;
  /** [3] unit direction. */
  direction: Tensor;
  /** Leading eigenvalue λ₁ and trace λ₁ + λ₂ + λ₃ of the covariance [cm²]. */
  lambda1: Tensor;
  trace: Tensor;
  /** λ₁ / trace: 1 for a line, 1/3 for an isotropic blob. */
  principalFraction: Tensor;
  /** √(λ₂ + λ₃) [cm]: transverse spread. */
  transverseRms: Tensor;
  /** √(12 λ₁) [cm]. */
  rmsLength: Tensor;
  /** [n] projections (x − c)·u [cm]. */
  projection: Tensor;
}

/**
 * The principal axis of points [n, 3] with weights [n] (charge × selection).
 *
 * @example
 * ```ts
 * const ax = principalAxis(xyz, tf.mul(w, q), [0, 1, 0]); // direction along +y when the track goes that way
 * ```
 */
export function principalAxis(points: Tensor, weights: Tensor, ref: [number, number, number] = [0, 0, 0]): PrincipalAxis {
  if (points.rank !== 2 || points.shape[1] !== 3) throw new DomainError('points', points.shape, 'must be [n, 3]');
  if (points.shape[0] < 2) throw new DomainError('points', points.shape[0], 'a principal axis needs at least 2 points');
  const wsum = tf.sum(weights);
  const wn = tf.div(weights, wsum).reshape([-1, 1]);
  const centroid = tf.sum(tf.mul(points, wn), 0);
  const d = tf.sub(points, centroid.reshape([1, 3]));
  const C = tf.matMul(tf.mul(d, wn), d, true, false);
  const pair = leadingEigenpair(C, ref);
  const lambda1 = pair.slice([0], [1]).reshape([]);
  const direction = pair.slice([1], [3]);
  const trace = tf.add(tf.add(C.slice([0, 0], [1, 1]), C.slice([1, 1], [1, 1])), C.slice([2, 2], [1, 1])).reshape([]);
  const projection = tf.matMul(d, direction.reshape([3, 1])).reshape([-1]);
  return {
    centroid,
    direction,
    lambda1,
    trace,
    principalFraction: tf.div(lambda1, trace),
    transverseRms: tf.sqrt(tf.relu(tf.sub(trace, lambda1))),
    rmsLength: tf.sqrt(tf.mul(lambda1, 12)),
    projection,
  };
}

/**
 * Soft extent of the projections s [n] over hits with selection weights w
 * [n]: T·ln Σ w e^{s/T} + T·ln Σ w e^{−s/T} (soft max − soft min), T in cm.
 *
 * @example
 * ```ts
 * softExtent(tf.tensor1d([-10, -5, 0, 5, 10]), tf.ones([5]), 0.2); // ≈ 20
 * ```
 */
export function softExtent(s: Tensor, w: Tensor, temperatureCm = 0.2): Tensor {
  if (!(temperatureCm > 0)) throw new DomainError('temperatureCm', temperatureCm, 'must be > 0 cm');
  const lw = tf.log(tf.add(w, 1e-30));
  const hi = tf.logSumExp(tf.add(tf.div(s, temperatureCm), lw));
  const lo = tf.logSumExp(tf.add(tf.div(tf.neg(s), temperatureCm), lw));
  return tf.mul(tf.add(hi, lo), temperatureCm);
}
