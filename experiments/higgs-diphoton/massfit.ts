/**
 * Fit of the resonance mass through the whole chain. The signal template is
 * the chain's soft histogram at a grid of masses M_g (generator → showers →
 * reconstruction → mass histogram; the signal masses are pathwise in M, so
 * every grid point uses the same random numbers) and a natural cubic spline
 * in M per bin in between (the signal-model parametrization of mass-point
 * MC); the continuum and the ±1σ systematic templates come from the chain at
 * the truth. Parameters: M, μ, θ_b (free continuum normalization) and the
 * three constrained α_k. Pseudo-experiments: Poisson bin counts around the
 * truth's rates and Gaussian auxiliary measurements a_k ~ N(0, 1); each is
 * fitted by damped Newton and its uncertainties are from the Hessian
 * (σ² = diagonal of H⁻¹ of the NLL).
 */
import { tf, PRNGKey, poisson, linalg, DiffhepError } from '../../src/autodiff/index.js';
import { newtonMinimize, ratesValue, twiceNllValue, type PlainTemplates } from './model.js';

/** Natural cubic spline through (x_i, y_i) (x increasing); returns an evaluator (linear extrapolation outside). */
export function naturalSpline(x: number[], y: number[]): (t: number) => number {
  const n = x.length;
  if (n < 3) throw new DiffhepError(`a spline needs at least 3 points, got ${n}`, 'x');
  const h = x.slice(1).map((v, i) => v - x[i]);
  const A: number[][] = Array.from({ length: n }, () => new Array(n).fill(0));
  const r = new Array(n).fill(0);
  A[0][0] = 1;
  A[n - 1][n - 1] = 1;
  for (let i = 1; i < n - 1; i++) {
    A[i][i - 1] = h[i - 1];
    A[i][i] = 2 * (h[i - 1] + h[i]);
    A[i][i + 1] = h[i];
    r[i] = 6 * ((y[i + 1] - y[i]) / h[i] - (y[i] - y[i - 1]) / h[i - 1]);
  }
  const m = linalg.solve(A, r); // second derivatives
  return (t: number) => {
    if (t <= x[0]) return y[0] + (t - x[0]) * ((y[1] - y[0]) / h[0] - (h[0] * (2 * m[0] + m[1])) / 6);
    if (t >= x[n - 1]) return y[n - 1] + (t - x[n - 1]) * ((y[n - 1] - y[n - 2]) / h[n - 2] + (h[n - 2] * (m[n - 2] + 2 * m[n - 1])) / 6);
    let i = 0;
    while (i < n - 2 && t > x[i + 1]) i++;
    const a = (x[i + 1] - t) / h[i];
    const b = (t - x[i]) / h[i];
    return a * y[i] + b * y[i + 1] + (((a * a * a - a) * m[i] + (b * b * b - b) * m[i + 1]) * h[i] * h[i]) / 6;
  };
}

/** The mass-parametrized model: spline per bin of the signal template over the grid. */
export interface MassModel {
  grid: number[];
  /** Signal templates at the grid masses [grid][bins]. */
  signalAt: number[][];
  /** Continuum and systematic templates at the truth. */
  templates: PlainTemplates;
  signal(mass: number): number[];
}

/** Builds the spline model from grid templates. */
export function massModel(grid: number[], signalAt: number[][], templates: PlainTemplates): MassModel {
  const bins = templates.background.length;
  const splines = Array.from({ length: bins }, (_, i) => naturalSpline(grid, signalAt.map((s) => s[i])));
  return { grid, signalAt, templates, signal: (m) => splines.map((f) => f(m)) };
}

/** Parameter order of the fit. */
export const FIT_PARAMETERS = ['mass', 'mu', 'theta_b', 'alpha_energy_scale', 'alpha_resolution', 'alpha_background_shape'] as const;

/** Result of one fit. */
export interface MassFit {
  values: number[];
  errors: number[];
  twiceNll: number;
}

/** 2·NLL of the model at x = [M, μ, θ_b, α...] for data n and aux a. */
export function massModelTwiceNll(model: MassModel, x: number[], n: ArrayLike<number>, aux: number[]): number {
  const alpha = x.slice(3);
  return twiceNllValue(ratesValue(model.templates, x[1], x[2], alpha, model.signal(x[0])), n, alpha, aux);
}

/** Fits data n (bin counts) with auxiliary measurements `aux`, starting from `start`. */
export function fitMass(model: MassModel, n: ArrayLike<number>, aux: number[], start: number[]): MassFit {
  const f = (x: number[]) => massModelTwiceNll(model, x, n, aux) / 2;
  const x = newtonMinimize(f, start, 60);
  // Hessian of the NLL by central differences (float64), covariance H⁻¹.
  const k = x.length;
  const H: number[][] = Array.from({ length: k }, () => new Array(k).fill(0));
  const step = x.map((v, i) => (i === 0 ? 1e-3 : 1e-4 * Math.max(1, Math.abs(v))));
  const f0 = f(x);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      if (i === j) {
        const xp = x.slice();
        const xm = x.slice();
        xp[i] += step[i];
        xm[i] -= step[i];
        H[i][i] = (f(xp) - 2 * f0 + f(xm)) / (step[i] * step[i]);
      } else {
        const pp = x.slice();
        const pm = x.slice();
        const mp = x.slice();
        const mm = x.slice();
        pp[i] += step[i]; pp[j] += step[j];
        pm[i] += step[i]; pm[j] -= step[j];
        mp[i] -= step[i]; mp[j] += step[j];
        mm[i] -= step[i]; mm[j] -= step[j];
        H[i][j] = H[j][i] = (f(pp) - f(pm) - f(mp) + f(mm)) / (4 * step[i] * step[j]);
      }
    }
  }
  const cov = linalg.inverse(H);
  const errors = cov.map((r, i) => Math.sqrt(r[i]));
  errors.forEach((e, i) => {
    if (!Number.isFinite(e)) throw new DiffhepError(`mass fit: the Hessian is not positive definite in ${FIT_PARAMETERS[i]} (σ² = ${cov[i][i]})`, FIT_PARAMETERS[i]);
  });
  return { values: x, errors, twiceNll: 2 * f0 };
}

/** One pseudo-experiment: Poisson counts around the truth's rates and Gaussian aux, from `key`. */
export function pseudoData(model: MassModel, truthMass: number, truthMu: number, key: PRNGKey): { n: number[]; aux: number[] } {
  const K = model.templates.signalUp.length;
  const rates = ratesValue(model.templates, truthMu, 1, new Array(K).fill(0), model.signal(truthMass));
  const [kN, kA] = key.split(2);
  const n = tf.tidy(() => Array.from(poisson(kN, tf.tensor1d(rates), 'none').sample.dataSync()));
  const aux = Array.from(kA.normals(K));
  return { n, aux };
}

/**
 * `fitMass` from `start`, then (if the minimum found is not a proper one:
 * a non-positive-definite Hessian) from starts with the mass moved by ±1 GeV;
 * null when every start fails. Failed fits are counted, not hidden.
 */
export function fitMassRobust(model: MassModel, n: ArrayLike<number>, aux: number[], start: number[]): MassFit | null {
  for (const dm of [0, -1, 1]) {
    try {
      return fitMass(model, n, aux, [start[0] + dm, ...start.slice(1)]);
    } catch (e) {
      if (!(e instanceof DiffhepError)) throw e;
    }
  }
  return null;
}
