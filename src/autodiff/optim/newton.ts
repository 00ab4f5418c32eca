/**
 * Damped Newton (Levenberg-Marquardt damping of the Hessian) for small,
 * smooth fits where the exact Hessian is affordable: solve (H + λI)d = −g,
 * accept the step if f decreases (then λ ← λ/10), else λ ← 10λ. Converges
 * quadratically near a minimum, and the final Hessian is the one HESSE wants.
 */
import { DiffhepError, NonFiniteError } from '../errors.js';
import { solve, cholesky, type Matrix } from '../linalg.js';
import type { OptimizeResult } from './lbfgs.js';

/** A value, gradient and Hessian oracle. */
export type ValueGradHessFn = (x: Float64Array) => { value: number; grad: Float64Array; hessian: Matrix };

/** Options of `dampedNewton`. */
export interface NewtonOptions {
  maxIterations?: number;
  /** Converged when max |g_i| ≤ gtol. Default 1e-8. */
  gtol?: number;
  /** Initial damping. Default 1e-3 (relative to the mean |diagonal|). */
  lambda?: number;
  /**
   * Relative precision of f: when the predicted decrease of a step is below
   * fPrecision·max(1, |f|) and no step decreases f, the minimum counts as
   * reached. Default 64·ε₆₄ ≈ 1.4e-14; about 1e-6 for float32 losses
   * (`fghFromParamSet`).
   */
  fPrecision?: number;
}

/**
 * Minimizes f by damped Newton steps.
 *
 * @example
 * ```ts
 * const q = (x: Float64Array) => ({ value: (x[0] - 3) ** 2, grad: Float64Array.of(2 * (x[0] - 3)), hessian: [[2]] });
 * dampedNewton(q, Float64Array.of(0)).x[0]; // 3
 * ```
 */
export function dampedNewton(fgh: ValueGradHessFn, x0: Float64Array | number[], opts: NewtonOptions = {}): OptimizeResult {
  const maxIt = opts.maxIterations ?? 100;
  const gtol = opts.gtol ?? 1e-8;
  const fPrecision = opts.fPrecision ?? 64 * Number.EPSILON;
  let x = Float64Array.from(x0);
  let evals = 1;
  let cur = fgh(x);
  if (!Number.isFinite(cur.value)) throw new NonFiniteError('objective', cur.value, 'value at the start point');
  cur.grad.forEach((g, i) => {
    if (!Number.isFinite(g)) throw new NonFiniteError(`x[${i}]`, g, 'gradient at the start point');
  });
  if (cur.hessian.length !== x.length || cur.hessian.some((r) => r.length !== x.length)) {
    throw new DiffhepError(`the Hessian must be ${x.length}×${x.length}, got ${cur.hessian.length} rows`, 'hessian');
  }
  const n = x.length;
  const scale = () => Math.max(1e-300, cur.hessian.reduce((s, r, i) => s + Math.abs(r[i]), 0) / n);
  let lambda = (opts.lambda ?? 1e-3) * scale();
  for (let it = 0; it < maxIt; it++) {
    let gmax = 0;
    for (const v of cur.grad) gmax = Math.max(gmax, Math.abs(v));
    if (gmax <= gtol) return { x, value: cur.value, grad: cur.grad, iterations: it, evaluations: evals, converged: true, message: 'gradient below gtol' };
    let stepped = false;
    // Predicted decrease −g·d of the last tried step: at float64 resolution of f the minimum is reached.
    let predicted = Infinity;
    const unresolvable = () => predicted <= fPrecision * Math.max(1, Math.abs(cur.value));
    for (let tries = 0; tries < 30 && !stepped; tries++) {
      const a = cur.hessian.map((r, i) => r.map((v, j) => (i === j ? v + lambda : v)));
      if (!cholesky(a)) {
        lambda = Math.max(lambda * 10, 1e-12 * scale());
        continue;
      }
      const d = solve(a, Array.from(cur.grad, (v) => -v));
      const xt = x.map((v, i) => v + d[i]);
      predicted = -d.reduce((sum, di, i) => sum + di * cur.grad[i], 0);
      evals++;
      const next = fgh(xt);
      const usable = Number.isFinite(next.value) && next.grad.every((v) => Number.isFinite(v)) && next.hessian.every((r) => r.every((v) => Number.isFinite(v)));
      if (usable && next.value <= cur.value) {
        const decreased = next.value < cur.value;
        x = xt;
        cur = next;
        lambda = Math.max(lambda / 10, 1e-15 * scale());
        stepped = true;
        if (!decreased) {
          let gm = 0;
          for (const v of cur.grad) gm = Math.max(gm, Math.abs(v));
          return { x, value: cur.value, grad: cur.grad, iterations: it + 1, evaluations: evals, converged: gm <= gtol || unresolvable(), message: 'no further decrease (precision limit)' };
        }
      } else lambda *= 10;
    }
    if (!stepped) return { x, value: cur.value, grad: cur.grad, iterations: it, evaluations: evals, converged: unresolvable(), message: 'damping could not find a decreasing step (precision limit if converged)' };
  }
  return { x, value: cur.value, grad: cur.grad, iterations: maxIt, evaluations: evals, converged: false, message: 'iteration limit reached' };
}
