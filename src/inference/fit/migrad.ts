/**
 * A MIGRAD-style minimizer (F. James, MINUIT, CERN D506): a variable-metric
 * (BFGS) method on internal coordinates where bounded parameters are mapped
 * by Minuit's transforms (sin for two bounds, sqrt for one), started from the
 * exact (autodiff) Hessian when the objective supplies one, with Minuit's
 * stopping rule EDM = gᵀVg/2 < 0.002 · tol · errordef. All bookkeeping (the
 * metric, line searches, EDM) is float64 on the host; gradients come from the
 * objective (autodiff of the core), objective values from its float64 path.
 */
import { linalg, DiffhepError, DomainError, NonFiniteError } from '../../autodiff/index.js';

type Matrix = linalg.Matrix;

/** What a minimizer needs from an objective over a flat parameter vector. */
export interface Objective {
  /** Objective value in float64 (NaN or Infinity for an invalid point). */
  value(x: number[]): number;
  /** Gradient (same length as x). */
  gradient(x: number[]): number[];
  /** Optional exact Hessian (starts the metric and serves HESSE). */
  hessian?(x: number[]): Matrix;
}

/** Options of `migrad`. */
export interface MigradOptions {
  /** Per-parameter bounds (null or omitted for unbounded). */
  bounds?: ([number, number] | null)[];
  /** Parameters held at their start values. */
  fixed?: boolean[];
  /** Minuit's tolerance (default 0.1). */
  tol?: number;
  /** 0.5 for a negative log-likelihood (default), 1 for a χ². */
  errordef?: number;
  /** Iteration cap (default 1000). */
  maxIterations?: number;
  /** Inverse Hessian (internal coordinates of the free parameters) to start from, e.g. a previous fit's. */
  startMetric?: Matrix;
  /** Recompute the exact Hessian at convergence and re-check the EDM, as Minuit does (default true when the objective has a Hessian and no startMetric was given). */
  verifyMetric?: boolean;
}

/** Result of `migrad`. */
export interface MigradResult {
  x: number[];
  fval: number;
  edm: number;
  converged: boolean;
  iterations: number;
  /** Objective and gradient evaluations. */
  nfcn: number;
  ngrad: number;
  /** Final inverse-Hessian estimate in internal coordinates (free parameters). */
  metric: Matrix;
}

interface Transform {
  toInt(x: number): number;
  toExt(u: number): number;
  /** dx/du */
  d1(u: number): number;
  /** d²x/du² */
  d2(u: number): number;
}

const IDENTITY: Transform = { toInt: (x) => x, toExt: (u) => u, d1: () => 1, d2: () => 0 };

/** Minuit's parameter transforms for bounds. */
function transformFor(b: [number, number] | null | undefined): Transform {
  if (!b) return IDENTITY;
  const [lo, hi] = b;
  if (Number.isFinite(lo) && Number.isFinite(hi)) {
    const h = 0.5 * (hi - lo);
    return {
      toInt: (x) => Math.asin(Math.max(-1, Math.min(1, (x - lo) / h - 1))),
      toExt: (u) => lo + h * (Math.sin(u) + 1),
      d1: (u) => h * Math.cos(u),
      d2: (u) => -h * Math.sin(u),
    };
  }
  if (Number.isFinite(lo)) {
    return {
      toInt: (x) => Math.sqrt(Math.max(0, (x - lo + 1) ** 2 - 1)),
      toExt: (u) => lo - 1 + Math.sqrt(u * u + 1),
      d1: (u) => u / Math.sqrt(u * u + 1),
      d2: (u) => 1 / (u * u + 1) ** 1.5,
    };
  }
  if (Number.isFinite(hi)) {
    return {
      toInt: (x) => Math.sqrt(Math.max(0, (hi - x + 1) ** 2 - 1)),
      toExt: (u) => hi + 1 - Math.sqrt(u * u + 1),
      d1: (u) => -u / Math.sqrt(u * u + 1),
      d2: (u) => -1 / (u * u + 1) ** 1.5,
    };
  }
  return IDENTITY;
}

/** Makes a symmetric matrix positive definite by shifting its diagonal (as Minuit's MnPosDef). */
export function makePositiveDefinite(h: Matrix): Matrix {
  const n = h.length;
  if (linalg.cholesky(h)) return h;
  const eig = linalg.symmetricEigenvalues(h);
  const maxAbs = Math.max(...h.map((r, i) => Math.abs(r[i])), 1e-8);
  const shift = -eig[0] + 1e-3 * maxAbs;
  const out = h.map((r, i) => r.map((v, j) => (i === j ? v + shift : v)));
  if (!linalg.cholesky(out)) return linalg.identity(n).map((r, i) => r.map((v) => v * Math.max(Math.abs(h[i][i]), 1e-8)));
  return out;
}

/**
 * Minimizes `objective` from `x0`.
 *
 * @example
 * ```ts
 * const r = migrad({ value: (x) => (x[0] - 1) ** 2 + 10 * (x[1] + 2) ** 2, gradient: (x) => [2 * (x[0] - 1), 20 * (x[1] + 2)] }, [0, 0]);
 * r.x; // ≈ [1, -2]
 * ```
 */
export function migrad(objective: Objective, x0: number[], options: MigradOptions = {}): MigradResult {
  const n = x0.length;
  const tol = options.tol ?? 0.1;
  const errordef = options.errordef ?? 0.5;
  const edmMax = 0.002 * tol * errordef;
  const maxIter = options.maxIterations ?? 1000;
  const fixed = options.fixed ?? new Array<boolean>(n).fill(false);
  const bounds = options.bounds ?? [];
  x0.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new NonFiniteError(`x0[${i}]`, v, 'start value');
    const b = bounds[i];
    if (b && !(v >= b[0] && v <= b[1])) throw new DomainError(`x0[${i}]`, v, `start value outside the bounds [${b[0]}, ${b[1]}]`);
  });
  const free = x0.map((_, i) => i).filter((i) => !fixed[i]);
  const m = free.length;
  const tr = free.map((i) => transformFor(bounds[i]));
  let nfcn = 0;
  let ngrad = 0;
  const ext = (u: number[]): number[] => {
    const x = x0.slice();
    free.forEach((i, k) => (x[i] = tr[k].toExt(u[k])));
    return x;
  };
  const f = (u: number[]) => {
    nfcn++;
    const v = objective.value(ext(u));
    return Number.isFinite(v) ? v : Infinity;
  };
  const g = (u: number[]) => {
    ngrad++;
    const ge = objective.gradient(ext(u));
    return free.map((i, k) => ge[i] * tr[k].d1(u[k]));
  };
  const exactMetric = (u: number[], gInt: number[]): Matrix | null => {
    if (!objective.hessian) return null;
    const x = ext(u);
    const he = objective.hessian(x);
    const ge = objective.gradient(x);
    ngrad++;
    const h = free.map((i, a) => free.map((j, b) => he[i][j] * tr[a].d1(u[a]) * tr[b].d1(u[b]) + (a === b ? ge[i] * tr[a].d2(u[a]) : 0)));
    void gInt;
    try {
      return linalg.inverse(makePositiveDefinite(linalg.symmetrize(h)));
    } catch {
      return null;
    }
  };
  let u = free.map((i, k) => tr[k].toInt(x0[i]));
  if (m === 0) {
    const fv = objective.value(x0);
    return { x: x0.slice(), fval: fv, edm: 0, converged: true, iterations: 0, nfcn: 1, ngrad: 0, metric: [] };
  }
  let fu = f(u);
  if (!Number.isFinite(fu)) throw new DiffhepError(`the objective is not finite at the start point (${fu})`, 'x0');
  let gu = g(u);
  const diagMetric = (uu: number[], gg: number[]): Matrix => {
    // Diagonal second derivatives from gradient differences.
    return uu.map((_, a) => {
      const h = 1e-4 * Math.max(1, Math.abs(uu[a]));
      const up = uu.slice();
      up[a] += h;
      const d = (g(up)[a] - gg[a]) / h;
      return uu.map((__, b) => (a === b ? 1 / (Math.abs(d) > 1e-8 ? Math.abs(d) : 1) : 0));
    });
  };
  let V: Matrix = options.startMetric && options.startMetric.length === m ? options.startMetric.map((r) => r.slice()) : exactMetric(u, gu) ?? diagMetric(u, gu);
  let edm = 0.5 * linalg.dot(gu, linalg.matVec(V, gu));
  let converged = false;
  let iter = 0;
  const verify = options.verifyMetric ?? !options.startMetric;
  let refreshed = !verify;
  for (; iter < maxIter; iter++) {
    if (edm < edmMax) {
      // Minuit re-checks convergence with an accurate metric before accepting.
      if (refreshed || !objective.hessian) {
        converged = true;
        break;
      }
      const Ve = exactMetric(u, gu);
      refreshed = true;
      if (Ve) {
        V = Ve;
        edm = 0.5 * linalg.dot(gu, linalg.matVec(V, gu));
        if (edm < edmMax) {
          converged = true;
          break;
        }
      }
    }
    let p = linalg.matVec(V, gu).map((v) => -v);
    let slope = linalg.dot(gu, p);
    if (!(slope < 0)) {
      V = exactMetric(u, gu) ?? diagMetric(u, gu);
      p = linalg.matVec(V, gu).map((v) => -v);
      slope = linalg.dot(gu, p);
      if (!(slope < 0)) break;
    }
    // Backtracking line search with quadratic interpolation (Armijo condition).
    let alpha = 1;
    let uNew = u;
    let fNew = Infinity;
    let ok = false;
    for (let ls = 0; ls < 40; ls++) {
      uNew = u.map((v, k) => v + alpha * p[k]);
      fNew = f(uNew);
      if (Number.isFinite(fNew) && fNew <= fu + 1e-4 * alpha * slope) {
        ok = true;
        break;
      }
      const aq = Number.isFinite(fNew) ? (-slope * alpha * alpha) / (2 * (fNew - fu - slope * alpha)) : 0.1 * alpha;
      alpha = Math.min(0.5 * alpha, Math.max(0.05 * alpha, aq));
    }
    if (!ok) {
      // No decrease resolvable in float64: accept the point if the EDM is near the goal.
      converged = edm < 100 * edmMax;
      break;
    }
    const gNew = g(uNew);
    const s = uNew.map((v, k) => v - u[k]);
    const y = gNew.map((v, k) => v - gu[k]);
    const sy = linalg.dot(s, y);
    if (sy > 1e-300) {
      // BFGS update of the inverse Hessian.
      const Vy = linalg.matVec(V, y);
      const yVy = linalg.dot(y, Vy);
      const rho = 1 / sy;
      V = V.map((row, a) => row.map((v, b) => v - rho * (Vy[a] * s[b] + s[a] * Vy[b]) + (rho * rho * yVy + rho) * s[a] * s[b]));
    }
    u = uNew;
    fu = fNew;
    gu = gNew;
    edm = 0.5 * linalg.dot(gu, linalg.matVec(V, gu));
    refreshed = !verify;
  }
  return { x: ext(u), fval: fu, edm, converged, iterations: iter, nfcn, ngrad, metric: V };
}

/** HESSE: covariance = 2·errordef·H⁻¹ over the free parameters (fixed ones get zero rows). */
export function hesse(hessianMatrix: Matrix, fixed: boolean[], errordef = 0.5): { covariance: Matrix; errors: number[]; correlation: Matrix } {
  const n = hessianMatrix.length;
  const free = Array.from({ length: n }, (_, i) => i).filter((i) => !fixed[i]);
  const sub = free.map((i) => free.map((j) => hessianMatrix[i][j]));
  let inv: Matrix;
  try {
    inv = sub.length ? linalg.inverse(sub) : [];
  } catch (e) {
    throw new DiffhepError(`HESSE: the Hessian is singular at the minimum (${(e as Error).message})`, 'hessian');
  }
  const cov: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  free.forEach((i, a) => free.forEach((j, b) => (cov[i][j] = 2 * errordef * inv[a][b])));
  const errors = cov.map((r, i) => Math.sqrt(Math.max(0, r[i])));
  const correlation = cov.map((r, i) => r.map((v, j) => (errors[i] > 0 && errors[j] > 0 ? v / (errors[i] * errors[j]) : i === j ? 1 : 0)));
  return { covariance: cov, errors, correlation };
}
