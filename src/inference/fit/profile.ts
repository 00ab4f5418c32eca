/**
 * Profile likelihoods: a scan of the minimum over the other parameters at
 * fixed values of one parameter, and MINOS-style intervals (F. James, MINUIT
 * D506 §7.3): the two points where the profiled objective rises by errordef
 * above its minimum (0.5 for an NLL gives the 68.3 % interval).
 */
import { DiffhepError } from '../../autodiff/index.js';
import { migrad, type MigradOptions, type Objective } from './migrad.js';

/** Profiled objective at `value` of parameter `index`, warm started from `start`. */
function profileAt(objective: Objective, start: number[], index: number, value: number, options: MigradOptions): { fval: number; x: number[] } {
  const x0 = start.slice();
  x0[index] = value;
  const fixed = (options.fixed ?? start.map(() => false)).slice();
  fixed[index] = true;
  const bounds = options.bounds;
  const clamped = x0.map((v, i) => (bounds?.[i] && !fixed[i] ? Math.min(bounds[i]![1], Math.max(bounds[i]![0], v)) : v));
  // Profiles resolve Δf well below errordef: default to a tight tolerance (EDM < 1e-8 for an NLL).
  const r = migrad(objective, clamped, { ...options, tol: options.tol ?? 1e-5, fixed, startMetric: undefined });
  return { fval: r.fval, x: r.x };
}

/**
 * The profile of parameter `index` over `values`: min over the others of the
 * objective, minus the global minimum `fmin`.
 *
 * @example
 * ```ts
 * const prof = profileScan(obj, best.x, best.fval, 0, [0.5, 1, 1.5]); // prof.delta[k] = f_prof − f_min
 * ```
 */
export function profileScan(objective: Objective, xhat: number[], fmin: number, index: number, values: number[], options: MigradOptions = {}): { values: number[]; delta: number[]; x: number[][] } {
  let start = xhat;
  const delta: number[] = [];
  const xs: number[][] = [];
  for (const v of values) {
    const r = profileAt(objective, start, index, v, options);
    delta.push(r.fval - fmin);
    xs.push(r.x);
    start = r.x;
  }
  return { values: values.slice(), delta, x: xs };
}

/** A MINOS interval: lower and upper errors (lower negative) around the best value. */
export interface MinosInterval {
  lower: number;
  upper: number;
  /** False when a side hit a parameter bound before the objective rose by errordef. */
  lowerValid: boolean;
  upperValid: boolean;
}

/**
 * MINOS-style interval of parameter `index`: solves f_prof(θ) = fmin + errordef
 * on each side of θ̂ by a secant iteration on √(2Δf) (linear in θ for a
 * parabolic minimum), starting one HESSE error `sigma` away.
 */
export function minosInterval(objective: Objective, xhat: number[], fmin: number, index: number, sigma: number, options: MigradOptions = {}): MinosInterval {
  const errordef = options.errordef ?? 0.5;
  if (!(sigma > 0)) throw new DiffhepError(`MINOS needs a positive starting error, got ${sigma}`, 'sigma');
  const b = options.bounds?.[index] ?? null;
  const side = (dir: 1 | -1): { err: number; valid: boolean } => {
    const limit = b ? (dir > 0 ? b[1] : b[0]) : dir * Infinity;
    // z(θ) = √(Δf/errordef) is ≈ |θ − θ̂|/σ near the minimum; solve z = 1.
    const z = (t: number) => Math.sqrt(Math.max(0, profileAt(objective, xhat, index, t, options).fval - fmin) / errordef);
    let t0 = xhat[index];
    let z0 = 0;
    let t1 = xhat[index] + dir * sigma;
    if (dir * (t1 - limit) > 0) t1 = limit;
    let z1 = z(t1);
    for (let it = 0; it < 30; it++) {
      if (Math.abs(z1 - 1) < 1e-4) return { err: t1 - xhat[index], valid: true };
      let t2 = z1 === z0 ? t1 + dir * sigma : t1 + ((1 - z1) * (t1 - t0)) / (z1 - z0);
      if (dir * (t2 - limit) > 0) {
        if (t1 === limit) return { err: limit - xhat[index], valid: false };
        t2 = limit;
      }
      t0 = t1;
      z0 = z1;
      t1 = t2;
      z1 = z(t1);
    }
    return { err: t1 - xhat[index], valid: Math.abs(z1 - 1) < 1e-2 };
  };
  const lo = side(-1);
  const up = side(1);
  return { lower: lo.err, upper: up.err, lowerValid: lo.valid, upperValid: up.valid };
}
