/**
 * L-BFGS (Nocedal & Wright, Numerical Optimization, 2nd ed., Alg. 7.4 with the
 * strong-Wolfe line search of Alg. 3.5/3.6 and cubic interpolation) in
 * float64 on the host, for fits of tens to thousands of parameters whose
 * value and gradient come from the core. With box bounds it runs a projected
 * quasi-Newton variant (Kim, Sra & Dhillon 2010): variables on a bound whose
 * gradient pushes outward are held, the two-loop recursion acts on the free
 * ones, and the step is a projected backtracking (Armijo) search.
 */
import { DiffhepError, DomainError, NonFiniteError } from '../errors.js';
import { dot } from '../linalg.js';

/** A value-and-gradient oracle. */
export type ValueAndGradFn = (x: Float64Array) => { value: number; grad: Float64Array };

/** Result of a quasi-Newton or Newton minimization. */
export interface OptimizeResult {
  x: Float64Array;
  value: number;
  grad: Float64Array;
  iterations: number;
  evaluations: number;
  converged: boolean;
  message: string;
}

/** Options of `lbfgs`. */
export interface LbfgsOptions {
  maxIterations?: number;
  /** Pairs of (s, y) kept. Default 10. */
  historySize?: number;
  /** Converged when max |g_i| ≤ gtol. Default 1e-6. */
  gtol?: number;
  /** Converged when the relative decrease of f in an iteration is below ftol. Default 1e-12. */
  ftol?: number;
  /** Box bounds per coordinate ([lo, hi] or null for free). */
  bounds?: ([number, number] | null)[];
  /**
   * Relative precision of f: when the line search cannot decrease f and the
   * predicted decrease is below fPrecision·max(1, |f|), the minimum counts as
   * reached. Default 64·ε₆₄ ≈ 1.4e-14; about 1e-6 for float32 losses (`fgFromParamSet`).
   */
  fPrecision?: number;
}

function evaluate(fg: ValueAndGradFn, x: Float64Array): { value: number; grad: Float64Array } {
  const r = fg(x);
  if (!Number.isFinite(r.value)) throw new NonFiniteError('objective', r.value, `at x = [${Array.from(x).map((v) => v.toPrecision(6)).join(', ')}], value`);
  for (let i = 0; i < r.grad.length; i++) if (!Number.isFinite(r.grad[i])) throw new NonFiniteError(`x[${i}]`, r.grad[i], 'gradient');
  return r;
}

function axpy(x: Float64Array, a: number, d: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] + a * d[i];
  return out;
}

function maxAbs(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}

/** Minimizer of the cubic through (a, fa, da), (b, fb, db), or NaN. */
function cubicMin(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const d1 = da + db - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - da * db;
  if (disc < 0) return NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - (b - a) * ((db + d2 - d1) / (db - da + 2 * d2));
}

interface Point {
  alpha: number;
  f: number;
  g: Float64Array;
  dg: number;
}

/** Sufficient-decrease (c1) and curvature (c2) constants of the strong Wolfe conditions (Nocedal & Wright §3.1). */
export const WOLFE_C1 = 1e-4;
export const WOLFE_C2 = 0.9;

/**
 * Strong-Wolfe line search along a descent direction d from x (f0 = f(x),
 * dg0 = ∇f(x)·d < 0): returns a step α with f(x+αd) ≤ f0 + c1·α·dg0 and
 * |∇f(x+αd)·d| ≤ c2·|dg0| (bracketing, then zoom with safeguarded cubic
 * interpolation). Where float64 cannot resolve the curvature condition
 * (after 30 zoom steps or a bracket narrower than 1e-16·α) it returns the best
 * point satisfying sufficient decrease, and null if there is none. Trial
 * points where f is NaN/Inf are treated as too long a step.
 *
 * @example
 * ```ts
 * const q = (x: Float64Array) => ({ value: x[0] ** 2, grad: Float64Array.of(2 * x[0]) });
 * strongWolfeSearch(q, Float64Array.of(1), 1, -2, Float64Array.of(-1), 1)?.alpha; // in (0, 2)
 * ```
 */
export function strongWolfeSearch(fg: ValueAndGradFn, x: Float64Array, f0: number, dg0: number, d: Float64Array, alpha0 = 1): { alpha: number; f: number; g: Float64Array; evaluations: number } | null {
  if (!(dg0 < 0)) throw new DomainError('dg0', dg0, 'the direction must be a descent direction (∇f·d < 0)');
  const counter = { n: 0 };
  const p = wolfeSearch(fg, x, f0, dg0, d, alpha0, counter);
  return p && { alpha: p.alpha, f: p.f, g: p.g, evaluations: counter.n };
}

function wolfeSearch(fg: ValueAndGradFn, x: Float64Array, f0: number, dg0: number, d: Float64Array, alpha0: number, counter: { n: number }): Point | null {
  const c1 = WOLFE_C1;
  const c2 = WOLFE_C2;
  const at = (alpha: number): Point => {
    counter.n++;
    const r = fg(axpy(x, alpha, d));
    // A trial step outside the function's domain (NaN/Inf) counts as too long: the search shrinks.
    const dg = dot(r.grad, d);
    if (!Number.isFinite(r.value) || !Number.isFinite(dg)) return { alpha, f: Infinity, g: r.grad, dg: NaN };
    return { alpha, f: r.value, g: r.grad, dg };
  };
  const zoom = (lo: Point, hi: Point): Point | null => {
    for (let k = 0; k < 30; k++) {
      let a = cubicMin(lo.alpha, lo.f, lo.dg, hi.alpha, hi.f, hi.dg);
      const left = Math.min(lo.alpha, hi.alpha);
      const right = Math.max(lo.alpha, hi.alpha);
      const w = right - left;
      if (!Number.isFinite(a) || a < left + 0.1 * w || a > right - 0.1 * w) a = 0.5 * (lo.alpha + hi.alpha);
      if (w < 1e-16 * Math.max(1, right)) return lo.f < f0 ? lo : null;
      const p = at(a);
      if (p.f > f0 + c1 * a * dg0 || p.f >= lo.f) hi = p;
      else {
        if (Math.abs(p.dg) <= -c2 * dg0) return p;
        if (p.dg * (hi.alpha - lo.alpha) >= 0) hi = lo;
        lo = p;
      }
    }
    return lo.f < f0 ? lo : null;
  };
  let prev: Point = { alpha: 0, f: f0, g: new Float64Array(0), dg: dg0 };
  let alpha = alpha0;
  for (let i = 0; i < 25; i++) {
    const p = at(alpha);
    if (p.f > f0 + c1 * alpha * dg0 || (i > 0 && p.f >= prev.f)) return zoom(prev, p);
    if (Math.abs(p.dg) <= -c2 * dg0) return p;
    if (p.dg >= 0) return zoom(p, prev);
    prev = p;
    alpha *= 2;
  }
  return prev.alpha > 0 ? prev : null;
}

function project(x: Float64Array, bounds: ([number, number] | null)[]): Float64Array {
  const out = Float64Array.from(x);
  bounds.forEach((b, i) => {
    if (b) out[i] = Math.min(b[1], Math.max(b[0], out[i]));
  });
  return out;
}

/**
 * Minimizes f with L-BFGS.
 *
 * @example
 * ```ts
 * const rosen = (x: Float64Array) => ({
 *   value: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2,
 *   grad: Float64Array.of(-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)),
 * });
 * lbfgs(rosen, Float64Array.of(-1.2, 1)).x; // ≈ [1, 1]
 * ```
 */
export function lbfgs(fg: ValueAndGradFn, x0: Float64Array | number[], opts: LbfgsOptions = {}): OptimizeResult {
  const maxIt = opts.maxIterations ?? 500;
  const m = opts.historySize ?? 10;
  const gtol = opts.gtol ?? 1e-6;
  const ftol = opts.ftol ?? 1e-12;
  const fPrecision = opts.fPrecision ?? 64 * Number.EPSILON;
  const bounds = opts.bounds;
  const n = x0.length;
  if (bounds && bounds.length !== n) throw new DiffhepError(`bounds has ${bounds.length} entries, x0 has ${n}`, 'bounds');
  bounds?.forEach((b, i) => {
    if (b && !(b[0] <= b[1])) throw new DomainError(`bounds[${i}]`, b, 'need lo ≤ hi');
  });
  if (!(Number.isInteger(m) && m >= 1)) throw new DomainError('historySize', m, 'must be a positive integer');
  if (!(gtol >= 0)) throw new DomainError('gtol', gtol, 'must be ≥ 0');
  for (let i = 0; i < n; i++) if (!Number.isFinite(x0[i])) throw new NonFiniteError(`x0[${i}]`, x0[i], 'start value');
  let x = bounds ? project(Float64Array.from(x0), bounds) : Float64Array.from(x0);
  const counter = { n: 1 };
  let { value: f, grad: g } = evaluate(fg, x);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const RHO: number[] = [];
  const activeMask = () => {
    if (!bounds) return null;
    return bounds.map((b, i) => !!b && ((x[i] <= b[0] && g[i] > 0) || (x[i] >= b[1] && g[i] < 0)));
  };
  // The predicted decrease −g·d (≈ 2(f − f*) for a quasi-Newton step) is below what float64 can
  // resolve in f: the minimum is reached to machine precision even if |g| > gtol.
  const unresolvable = (dg0: number) => -dg0 <= fPrecision * Math.max(1, Math.abs(f));
  const pgNorm = () => {
    const act = activeMask();
    let mx = 0;
    for (let i = 0; i < n; i++) if (!act || !act[i]) mx = Math.max(mx, Math.abs(g[i]));
    return mx;
  };
  for (let it = 0; it < maxIt; it++) {
    if (pgNorm() <= gtol) return { x, value: f, grad: g, iterations: it, evaluations: counter.n, converged: true, message: 'gradient below gtol' };
    // Two-loop recursion, restricted to the free variables when bounds bind (projected quasi-Newton,
    // Kim, Sra & Dhillon 2010): curvature pairs are read on the free subspace only.
    const act = activeMask();
    const free = act ? act.map((a) => !a) : null;
    const fdot = (a: Float64Array, b: Float64Array) => {
      let sum = 0;
      for (let i = 0; i < n; i++) if (!free || free[i]) sum += a[i] * b[i];
      return sum;
    };
    const q = Float64Array.from(g);
    if (free) free.forEach((fr, i) => !fr && (q[i] = 0));
    const used: number[] = [];
    const rhos: number[] = [];
    for (let k = 0; k < S.length; k++) {
      const sy = free ? fdot(S[k], Y[k]) : 1 / RHO[k];
      if (sy > 1e-12 * Math.sqrt(fdot(S[k], S[k]) * fdot(Y[k], Y[k]))) {
        used.push(k);
        rhos.push(1 / sy);
      }
    }
    const alphas: number[] = new Array(used.length);
    for (let j = used.length - 1; j >= 0; j--) {
      const k = used[j];
      const a = rhos[j] * fdot(S[k], q);
      alphas[j] = a;
      for (let i = 0; i < n; i++) q[i] -= a * Y[k][i];
    }
    if (free) free.forEach((fr, i) => !fr && (q[i] = 0));
    const last = used[used.length - 1];
    const gamma = used.length ? 1 / (rhos[rhos.length - 1] * fdot(Y[last], Y[last])) : 1 / Math.max(1, maxAbs(g));
    for (let i = 0; i < n; i++) q[i] *= gamma;
    for (let j = 0; j < used.length; j++) {
      const k = used[j];
      const b = rhos[j] * fdot(Y[k], q);
      for (let i = 0; i < n; i++) q[i] += S[k][i] * (alphas[j] - b);
    }
    const d = q.map((v) => -v);
    if (free) free.forEach((fr, i) => !fr && (d[i] = 0));
    let dg0 = dot(g, d);
    if (!(dg0 < 0)) {
      // Not a descent direction (curvature pairs went stale): restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      RHO.length = 0;
      for (let i = 0; i < n; i++) d[i] = act && act[i] ? 0 : -g[i] / Math.max(1, maxAbs(g));
      dg0 = dot(g, d);
      if (!(dg0 < 0)) return { x, value: f, grad: g, iterations: it, evaluations: counter.n, converged: true, message: 'no descent direction within the bounds' };
    }
    let xNew: Float64Array;
    let fNew: number;
    let gNew: Float64Array;
    if (bounds) {
      // Projected backtracking (Armijo) along the projected path.
      let alpha = 1;
      let accepted = false;
      xNew = x;
      fNew = f;
      gNew = g;
      for (let k = 0; k < 40; k++) {
        const xt = project(axpy(x, alpha, d), bounds);
        counter.n++;
        const r = evaluate(fg, xt);
        let decrease = 0;
        for (let i = 0; i < n; i++) decrease += g[i] * (xt[i] - x[i]);
        if (r.value <= f + 1e-4 * decrease) {
          xNew = xt;
          fNew = r.value;
          gNew = r.grad;
          accepted = true;
          break;
        }
        alpha *= 0.5;
      }
      if (!accepted) return { x, value: f, grad: g, iterations: it, evaluations: counter.n, converged: unresolvable(dg0), message: 'line search found no decrease (precision limit)' };
    } else {
      const alpha0 = S.length ? 1 : Math.min(1, 1 / Math.max(1e-12, maxAbs(d)));
      const p = wolfeSearch(fg, x, f, dg0, d, alpha0, counter);
      if (!p) return { x, value: f, grad: g, iterations: it, evaluations: counter.n, converged: unresolvable(dg0), message: 'line search found no decrease (precision limit)' };
      xNew = axpy(x, p.alpha, d);
      fNew = p.f;
      gNew = p.g;
    }
    const s = xNew.map((v, i) => v - x[i]);
    const y = gNew.map((v, i) => v - g[i]);
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      S.push(s);
      Y.push(y);
      RHO.push(1 / sy);
      if (S.length > m) {
        S.shift();
        Y.shift();
        RHO.shift();
      }
    }
    const rel = (f - fNew) / Math.max(Math.abs(f), Math.abs(fNew), 1e-300);
    x = xNew;
    g = gNew;
    f = fNew;
    if (!(rel > 0)) return { x, value: f, grad: g, iterations: it + 1, evaluations: counter.n, converged: pgNorm() <= gtol || unresolvable(dg0), message: 'no further decrease (precision limit)' };
    if (rel < ftol) return { x, value: f, grad: g, iterations: it + 1, evaluations: counter.n, converged: true, message: 'relative decrease below ftol' };
  }
  return { x, value: f, grad: g, iterations: maxIt, evaluations: counter.n, converged: pgNorm() <= gtol, message: 'iteration limit reached' };
}
