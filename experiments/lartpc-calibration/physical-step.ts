/**
 * Newton and Levenberg-Marquardt steps taken in physical coordinates, for
 * fits whose parameters live on bounded transforms.
 *
 * The autodiff Hessian is taken in the unconstrained coordinates u (x = x(u)
 * through a log or bounded-sigmoid transform). Near a bound the sigmoid
 * flattens: dx/du -> 0, so the gradient and curvature in u vanish and a step
 * computed in u that once reaches the bound region is never undone (the
 * A_b/k_b failure of large-sample fits). In x the gradient and the Hessian
 * stay finite up to the bound:
 *
 *   g_x = g_u / x'(u),  H_x = D (H_u - diag(g_x x''(u))) D,  D = diag(1 / x'(u)),
 *
 * (from g_u = x' g_x and H_u = x' H_x x' + diag(g_x x'')), so the step is
 * solved in x, limited to a fraction of each parameter's scale, and kept
 * inside the bounds by moving at most a fixed fraction of the distance to a
 * bound per step (an interior-point style rule: a bound is approached
 * geometrically, and left as soon as the gradient points inward).
 */
import { linalg, type ParamSet } from '../../src/autodiff/index.js';

/** Per trainable coordinate: value, first and second derivative of x(u), bounds and step scale. */
export interface Coordinates {
  x: number[];
  dx: number[];
  d2x: number[];
  lo: number[];
  hi: number[];
  /** Step scale: the bound width, or |x| for an unbounded coordinate. */
  scale: number[];
}

/** The physical coordinates of the trainable parameters of `ps` at its current values. */
export function coordinates(ps: ParamSet): Coordinates {
  const u = ps.unconstrainedVector();
  const c: Coordinates = { x: [], dx: [], d2x: [], lo: [], hi: [], scale: [] };
  let k = 0;
  for (const e of ps.trainable) {
    for (let i = 0; i < e.values.length; i++, k++) {
      const b = e.def.bounds;
      const x = e.bij.forward(u[k]);
      c.x.push(x);
      c.dx.push(e.bij.derivative(u[k]));
      c.d2x.push(e.bij.secondDerivative(u[k]));
      c.lo.push(b ? b[0] : -Infinity);
      c.hi.push(b ? b[1] : Infinity);
      c.scale.push(b ? b[1] - b[0] : Math.max(Math.abs(x), 1e-12));
    }
  }
  return c;
}

/** Gradient and Hessian in x from those in u (see the module comment). */
export function toPhysical(c: Coordinates, gradient: number[], matrix: number[][]): { gradient: number[]; matrix: number[][] } {
  const gx = gradient.map((g, i) => g / c.dx[i]);
  const hx = matrix.map((row, i) => row.map((h, j) => (h - (i === j ? gx[i] * c.d2x[i] : 0)) / (c.dx[i] * c.dx[j])));
  return { gradient: gx, matrix: hx };
}

/**
 * The Levenberg-Marquardt step in x on the coordinates `free`:
 * (H + lambda diag|H|) dx = -g, scaled down so that no coordinate moves more
 * than `maxFraction` of its scale. Throws if the damped matrix is singular.
 */
export function dampedStep(c: Coordinates, g: number[], h: number[][], lambda: number, free: number[], maxFraction = 0.25): number[] {
  const A = free.map((i) => free.map((j) => (i === j ? h[i][j] + lambda * Math.max(Math.abs(h[i][i]), 1e-300) : h[i][j])));
  const sub = linalg.solve(A, free.map((i) => -g[i]));
  const worst = Math.max(...sub.map((s, k) => Math.abs(s) / c.scale[free[k]]));
  const shrink = worst > maxFraction ? maxFraction / worst : 1;
  const step = c.x.map(() => 0);
  free.forEach((i, k) => (step[i] = sub[k] * shrink));
  return step;
}

/**
 * x + step kept strictly inside the bounds: a coordinate moves at most
 * `fraction` of its distance to the bound it heads for.
 */
export function keepInside(c: Coordinates, step: number[], fraction = 0.9): number[] {
  return c.x.map((x, i) => {
    const t = x + step[i];
    if (t < c.lo[i] + (1 - fraction) * (x - c.lo[i])) return c.lo[i] + (1 - fraction) * (x - c.lo[i]);
    if (t > c.hi[i] - (1 - fraction) * (c.hi[i] - x)) return c.hi[i] - (1 - fraction) * (c.hi[i] - x);
    return t;
  });
}

/** The unconstrained vector of physical values x (trainable order). */
export function unconstrainedOf(ps: ParamSet, x: number[]): number[] {
  const out: number[] = [];
  let k = 0;
  for (const e of ps.trainable) for (let i = 0; i < e.values.length; i++, k++) out.push(e.bij.inverse(x[k]));
  return out;
}

/** Standard deviations of x from a chi^2 Hessian in x (covariance 2 H^-1); a singular matrix gets a tiny ridge. */
export function sigmaFromChi2Hessian(hx: number[][]): number[] {
  let inv: number[][];
  try {
    inv = linalg.inverse(hx);
  } catch {
    const ridge = 1e-9 * Math.max(...hx.map((r, i) => Math.abs(r[i])));
    inv = linalg.inverse(hx.map((r, i) => r.map((x, j) => (i === j ? x + ridge : x))));
  }
  return inv.map((r, i) => Math.sqrt(Math.max(2 * r[i], 0)));
}
