/**
 * A differentiable matching (hits to tracks, clusters to truth particles):
 * the entropy-regularized optimal transport plan computed by Sinkhorn
 * iterations in the log domain (Cuturi 2013, arXiv:1306.0895), which stays
 * finite for any temperature.
 *
 * For an n×m cost matrix C the plan is P = diag(e^f) exp(−C/T) diag(e^g)
 * with rows summing to 1 and columns to n/m (for a square matrix: doubly
 * stochastic). It minimizes ⟨P, C⟩ − T·H(P) under those marginals.
 *
 * Bias: the plan spreads mass over near-optimal assignments; its transport
 * cost ⟨P, C⟩ exceeds the optimum by at most T·H(P) ≤ T·n·ln m (H the
 * entropy −Σ P ln P). Exact (a permutation matrix, the solution of
 * the assignment problem) as T → 0 when the optimal assignment is unique,
 * given enough iterations (convergence slows as T falls: a cost gap Δ needs
 * T ≪ Δ, and iterations ∝ max(C)/T).
 */
import { tf, type Tensor } from '../tf.js';
import { assertPositiveScale } from './validate.js';
import { DomainError, ShapeMismatchError } from '../errors.js';

/**
 * Sinkhorn plan of the cost matrix `cost` [n, m] at `temperature` (units of
 * the cost) after `iterations` row/column normalizations (default 100).
 * Differentiable in `cost` (gradients by unrolling the iterations).
 *
 * @example
 * ```ts
 * const p = softAssignment(tf.tensor2d([[0, 1], [1, 0]]), 0.05); // ≈ [[1, 0], [0, 1]]
 * ```
 */
export function softAssignment(cost: Tensor, temperature: number, iterations = 100): Tensor {
  assertPositiveScale('temperature', temperature);
  if (cost.rank !== 2) throw new ShapeMismatchError('cost', [cost.shape[0] ?? 0, cost.shape[1] ?? 0], cost.shape);
  if (!(Number.isInteger(iterations) && iterations >= 1)) throw new DomainError('iterations', iterations, 'must be a positive integer');
  const [n, m] = cost.shape;
  return tf.tidy(() => {
    const logK = tf.div(cost, -temperature);
    const logColMass = Math.log(n / m);
    let f = tf.zeros([n, 1]);
    let g = tf.zeros([1, m]);
    for (let it = 0; it < iterations; it++) {
      // rows sum to 1: f = −logsumexp_j(logK + g)
      const fNew = tf.neg(tf.logSumExp(tf.add(logK, g), 1, true));
      // columns sum to n/m: g = log(n/m) − logsumexp_i(logK + f)
      const gNew = tf.sub(logColMass, tf.logSumExp(tf.add(logK, fNew), 0, true));
      f.dispose();
      g.dispose();
      f = fNew;
      g = gNew;
    }
    return tf.exp(tf.add(tf.add(logK, f), g));
  });
}
