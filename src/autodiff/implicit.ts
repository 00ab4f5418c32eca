/**
 * Implicit differentiation of an argmin — the building block for
 * differentiating through fits (neos, arXiv:2203.05570; as jaxopt's
 * `custom_root`). For x*(θ) = argmin_x L(x, θ), stationarity ∇ₓL(x*, θ) = 0
 * gives d(x*)/dθ = −H⁻¹ ∂²L/∂x∂θ with H = ∂²L/∂x² at the optimum. The backward
 * pass therefore needs only the optimum, never the optimizer's iterations:
 * for a cotangent v of x*, w = H⁻¹ v and the cotangent of θ is
 * −∂/∂θ ⟨∇ₓL(x*, θ), w⟩.
 */
import { tf, type Tensor } from './tf.js';
import { solve, type Matrix } from './linalg.js';
import { DiffhepError, NonFiniteError } from './errors.js';
import { withPreservedTape } from './nested-tape.js';
import { customGradient } from './custom-gradients.js';

/** The i-th unit vector of length n (tf.oneHot needs n ≥ 2; one-parameter problems are common). */
function unitVector(n: number, i: number): Tensor {
  const e = new Float32Array(n);
  e[i] = 1;
  return tf.tensor1d(e);
}

/** An argmin problem: the loss and a solver for its minimum. */
export interface ArgminProblem {
  /** The objective L(x, θ...) as a scalar tensor; x is a 1-D tensor. */
  loss: (x: Tensor, ...theta: Tensor[]) => Tensor;
  /**
   * Returns argmin_x L(x, θ) for the given θ values (any optimizer; it is not
   * differentiated). `theta` holds each θ tensor's values.
   */
  solve: (theta: Float32Array[]) => ArrayLike<number>;
  /** Added to the Hessian's diagonal before solving (Tikhonov). Default 0. */
  damping?: number;
}

/** Hessian of L in x at (x, θ), float64 rows. */
function hessianInX(loss: ArgminProblem['loss'], x: Tensor, theta: Tensor[]): Matrix {
  const n = x.size;
  const g = (v: Tensor) => loss(v, ...theta);
  const rows: Matrix = [];
  for (let i = 0; i < n; i++) {
    rows.push(
      tf.tidy(() => {
        const e = unitVector(n, i);
        return Array.from(tf.grad((v: Tensor) => tf.sum(tf.mul(tf.grad(g)(v), e)))(x).dataSync());
      }),
    );
  }
  return rows.map((r, i) => r.map((v, j) => 0.5 * (v + rows[j][i])));
}

/**
 * Returns θ ↦ x*(θ) as a differentiable tensor function whose gradient is
 * given by the implicit function theorem. Requires H to be invertible at the
 * optimum (a strict local minimum; for a fit on a boundary, fix the bounded
 * parameter or reparameterize).
 *
 * @example
 * ```ts
 * // x*(a) = argmin (x - a)^2 / 2 = a, so d(x*)/da = 1
 * const argmin = implicitArgmin({
 *   loss: (x, a) => tf.sum(tf.square(tf.sub(x, a))).div(2),
 *   solve: ([a]) => a,
 * });
 * ```
 */
export function implicitArgmin(problem: ArgminProblem): (...theta: Tensor[]) => Tensor {
  const damping = problem.damping ?? 0;
  return (...theta: Tensor[]) => {
    const op = customGradient((...th: Tensor[]) => {
      const xStar = Float32Array.from(problem.solve(th.map((t) => t.dataSync() as Float32Array)));
      xStar.forEach((v, i) => {
        if (!Number.isFinite(v)) throw new NonFiniteError(`argmin[${i}]`, v, 'solver result');
      });
      const x = tf.tensor1d(xStar);
      return {
        value: x,
        gradFunc: (dy) => withPreservedTape(() => {
          const v = dy.reshape([-1]);
          const xc = tf.tensor1d(xStar);
          const h = hessianInX(problem.loss, xc, th);
          if (damping) h.forEach((r, i) => (r[i] += damping));
          let w: number[];
          try {
            w = solve(h, v.dataSync());
          } catch (e) {
            throw new DiffhepError(`implicit argmin gradient: the Hessian at the optimum is singular (${(e as Error).message}); fix or reparameterize flat directions`, 'hessian');
          }
          const wt = tf.tensor1d(w);
          const grads = tf.grads((...ts: Tensor[]) => {
            const gx = tf.grad((xx: Tensor) => problem.loss(xx, ...ts))(xc);
            return tf.neg(tf.sum(tf.mul(gx, wt)));
          })(th);
          return grads;
        }),
      };
    });
    return op(...theta);
  };
}
