/**
 * Newton steps for fits whose parameters live on bounded transforms, taken
 * in step coordinates y where a bound cannot swallow a parameter.
 *
 * The autodiff Hessian is taken in the unconstrained coordinates u (x = x(u)
 * through a log or bounded-sigmoid transform). Near a bound the sigmoid
 * flattens: dx/du -> 0, so the gradient and curvature in u vanish and a
 * step computed in u that once reaches the bound region is never undone
 * (the A_b/k_b failure of large-sample fits). So sigmoid parameters step in
 * their physical value, y = x, where gradient and curvature stay finite up
 * to the bound; log and identity parameters keep y = u (log x is the
 * natural scale of a lifetime or a diffusion constant, and does not
 * flatten). With y' = dy/du:
 *
 *   g_y = g_u / y',  H_y = D (H_u - diag(g_y y'')) D,  D = diag(1 / y'),
 *
 * (from g_u = y' g_y and H_u = y' H_y y' + diag(g_y y'')). A step is limited
 * to a fraction of each coordinate's scale and kept inside the bounds by
 * moving at most half the distance to a bound per step (an interior-point
 * style rule: a bound is approached geometrically, and left as soon as the
 * gradient points inward).
 */
import { linalg, type ParamSet } from '../../src/autodiff/index.js';

/** Per trainable coordinate: step coordinate y, dy/du and d2y/du2, bounds in y and step scale. */
export interface Coordinates {
  x: number[];
  dx: number[];
  d2x: number[];
  lo: number[];
  hi: number[];
  /** Step scale: the width of the bounds in y, or 1 for an unbounded u. */
  scale: number[];
  /** Whether y is the physical value (sigmoid) rather than u. */
  physical: boolean[];
}

/** The step coordinates of the trainable parameters of `ps` at its current values. */
export function coordinates(ps: ParamSet): Coordinates {
  const u = ps.unconstrainedVector();
  const c: Coordinates = { x: [], dx: [], d2x: [], lo: [], hi: [], scale: [], physical: [] };
  let k = 0;
  for (const e of ps.trainable) {
    for (let i = 0; i < e.values.length; i++, k++) {
      const b = e.def.bounds;
      const phys = e.def.transform === 'sigmoid';
      c.physical.push(phys);
      c.x.push(phys ? e.bij.forward(u[k]) : u[k]);
      c.dx.push(phys ? e.bij.derivative(u[k]) : 1);
      c.d2x.push(phys ? e.bij.secondDerivative(u[k]) : 0);
      const lo = b ? (phys ? b[0] : e.bij.inverse(b[0])) : -Infinity;
      const hi = b ? (phys ? b[1] : e.bij.inverse(b[1])) : Infinity;
      c.lo.push(lo);
      c.hi.push(hi);
      c.scale.push(b ? hi - lo : 1);
    }
  }
  return c;
}

/** Gradient and Hessian in y from those in u (see the module comment). */
export function toPhysical(c: Coordinates, gradient: number[], matrix: number[][]): { gradient: number[]; matrix: number[][] } {
  const gx = gradient.map((g, i) => g / c.dx[i]);
  const hx = matrix.map((row, i) => row.map((h, j) => (h - (i === j ? gx[i] * c.d2x[i] : 0)) / (c.dx[i] * c.dx[j])));
  return { gradient: gx, matrix: hx };
}

/**
 * y + step kept strictly inside the bounds: a coordinate moves at most
 * `fraction` of its distance to the bound it heads for, and never closer
 * than 1e-9 of the bound width (the sigmoid's inverse must stay finite).
 */
export function keepInside(c: Coordinates, step: number[], fraction = 0.5): number[] {
  return c.x.map((x, i) => {
    const t = x + step[i];
    const margin = 1e-9 * c.scale[i];
    const lo = Number.isFinite(c.lo[i]) ? Math.max(c.lo[i] + (1 - fraction) * (x - c.lo[i]), c.lo[i] + margin) : -Infinity;
    const hi = Number.isFinite(c.hi[i]) ? Math.min(c.hi[i] - (1 - fraction) * (c.hi[i] - x), c.hi[i] - margin) : Infinity;
    return Math.min(Math.max(t, Math.min(lo, x)), Math.max(hi, x));
  });
}

/** The unconstrained vector of step coordinates y (trainable order). */
export function unconstrainedOf(ps: ParamSet, y: number[], c: Coordinates): number[] {
  const out: number[] = [];
  let k = 0;
  for (const e of ps.trainable) for (let i = 0; i < e.values.length; i++, k++) out.push(c.physical[k] ? e.bij.inverse(y[k]) : y[k]);
  return out;
}

/** Physical standard deviations from the chi^2 Hessian in y (covariance 2 H^-1) at the coordinates c: sigma_x = sigma_y dx/dy. */
export function physicalSigma(ps: ParamSet, c: Coordinates, hy: number[][]): number[] {
  const jd = ps.jacobianDiagonal();
  return sigmaFromChi2Hessian(hy).map((s, i) => (c.physical[i] ? s : s * jd[i]));
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
