/**
 * Fits of the oscillation parameters to an electron-like spectrum:
 * - theory only (sin²2θ, Δm²) with the templates at one detector point;
 * - jointly with the detector lifetime τ: the templates are interpolated
 *   between detector points (quadratic Lagrange in 1/τ, per event, for the
 *   reconstructed energy and the score), and a calibration term
 *   ((b_data − b_MC(τ))/σ_b)² ties τ to the through-going-muon slope.
 * Minimizer: MIGRAD (src/inference/fit) with autodiff gradients and Hessian
 * on scaled parameters (Δm² in 10⁻³ eV², τ in ms); uncertainties from the
 * Hessian of −2 ln L (covariance 2 H⁻¹).
 */
import { tf, type Tensor, valueAndGrad, hessian, DomainError } from '../../src/autodiff/index.js';
import { migrad, hesse } from '../../src/inference/fit/index.js';
import { expectedSpectrum, poissonDeviance, type SpectrumConfig, type SpectrumEvents } from './spectrum.js';

/** Per-event observables at a detector point (numbers). */
export interface EventTable {
  energyGeV: number[];
  score: number[];
}

/** Templates: the MC events at one or more lifetimes τ (same events at every node). */
export interface Templates {
  /** Lifetimes of the nodes [µs]; one node means τ fixed. */
  tauUs: number[];
  nodes: EventTable[];
  trueGeV: Float32Array;
  isNue: Uint8Array;
}

/** Lagrange weights of the nodes at u = 1/τ (tensor [k]). */
function lagrange(tauUs: number[], tau: Tensor): Tensor[] {
  const u = tauUs.map((t) => 1 / t);
  const x = tf.div(1, tau);
  return u.map((uk, k) => {
    let w: Tensor = tf.scalar(1);
    u.forEach((uj, j) => {
      if (j !== k) w = tf.mul(w, tf.div(tf.sub(x, uj), uk - uj));
    });
    return w;
  });
}

/** The spectrum events at lifetime τ [µs] (tensor), interpolated between the nodes. */
export function eventsAt(t: Templates, tauUs?: Tensor): SpectrumEvents {
  if (t.nodes.length === 1 || !tauUs) return { energyGeV: tf.tensor1d(t.nodes[0].energyGeV), score: tf.tensor1d(t.nodes[0].score), trueGeV: t.trueGeV, isNue: t.isNue };
  const L = lagrange(t.tauUs, tauUs);
  const mix = (f: 'energyGeV' | 'score') => tf.addN(t.nodes.map((n, k) => tf.mul(L[k], tf.tensor1d(n[f]))));
  return { energyGeV: mix('energyGeV'), score: mix('score'), trueGeV: t.trueGeV, isNue: t.isNue };
}

/** A quantity known at the nodes (e.g. the calibration slope), interpolated at τ (tensor). */
export function interpolateAt(tauNodes: number[], values: number[], tauUs: Tensor): Tensor {
  const L = lagrange(tauNodes, tauUs);
  return tf.addN(L.map((l, k) => tf.mul(l, values[k])));
}

/** The calibration term of a joint fit. */
export interface CalibrationTerm {
  /** Measured slope [1/µs] and its uncertainty (data ⊕ MC). */
  slope: number;
  sigma: number;
  /** MC-predicted slope at each template node. */
  predicted: number[];
}

/** Result of a fit. */
export interface FitResult {
  names: string[];
  /** Physical values (sin²2θ, Δm² [eV²], τ [µs]). */
  values: number[];
  errors: number[];
  /** Objective (−2 ln L [+ χ²_cal]) at the start and at the minimum. */
  objectiveStart: number;
  objectiveMin: number;
  converged: boolean;
  nfcn: number;
}

/** Options of `fitSpectrum`. */
export interface FitOptions {
  /** Start values: sin²2θ, Δm² [eV²] and, for a joint fit, τ [µs]. */
  start: { sin22theta: number; dm2eV2: number; tauUs?: number };
  /** Fit τ too (needs templates with ≥ 3 nodes and a calibration term). */
  calibration?: CalibrationTerm;
  /** Start MIGRAD from the best point of a grid in Δm² (± 20 %) and τ (default true). */
  scanStart?: boolean;
}

const SCALE = { dm2: 1e-3, tau: 1000 };

/**
 * Fits observed counts `n` with the templates.
 *
 * @example
 * ```ts
 * const r = fitSpectrum([12, 30, 41, ...], templates, spectrumCfg, { start: { sin22theta: 0.1, dm2eV2: 2.5e-3 } });
 * ```
 */
export function fitSpectrum(n: number[], t: Templates, cfg: SpectrumConfig, o: FitOptions): FitResult {
  const joint = !!o.calibration;
  if (joint && t.nodes.length < 3) throw new DomainError('templates.nodes', t.nodes.length, 'a joint fit with τ needs at least 3 lifetime nodes');
  if (n.length !== cfg.edgesGeV.length - 1) throw new DomainError('counts', n.length, `expected ${cfg.edgesGeV.length - 1} bins`);
  const nT = tf.tensor1d(n);
  const f = (p: Record<string, Tensor>) => {
    const x = p.x;
    const s = x.slice([0], [1]).reshape([]);
    const dm2 = tf.mul(x.slice([1], [1]).reshape([]), SCALE.dm2);
    const tau = joint ? tf.mul(x.slice([2], [1]).reshape([]), SCALE.tau) : undefined;
    const ev = eventsAt(t, tau);
    let obj = poissonDeviance(nT, expectedSpectrum(ev, { sin22theta: s, dm2eV2: dm2 }, cfg).mu);
    if (joint && tau && o.calibration) {
      const c = o.calibration;
      obj = tf.add(obj, tf.square(tf.div(tf.sub(interpolateAt(t.tauUs, c.predicted, tau), c.slope), c.sigma)));
    }
    return obj;
  };
  const objective = {
    value: (x: number[]) => tf.tidy(() => f({ x: tf.tensor1d(x) }).dataSync()[0]),
    gradient: (x: number[]) => {
      const xt = tf.tensor1d(x);
      try {
        return (valueAndGrad((p) => f(p as Record<string, Tensor>))({ x: xt }).grad as { x: number[] }).x;
      } finally {
        xt.dispose();
      }
    },
    hessian: (x: number[]) => {
      const xt = tf.tensor1d(x);
      try {
        return hessian((p) => f(p as Record<string, Tensor>))({ x: xt }).matrix;
      } finally {
        xt.dispose();
      }
    },
  };
  const bounds: [number, number][] = [
    [0, 1],
    [0.3, 8],
    ...(joint ? [[(Math.min(...t.tauUs) * 0.9) / SCALE.tau, (Math.max(...t.tauUs) * 1.1) / SCALE.tau] as [number, number]] : []),
  ];
  const xStart = [o.start.sin22theta, o.start.dm2eV2 / SCALE.dm2, ...(joint ? [(o.start.tauUs ?? t.tauUs[0]) / SCALE.tau] : [])];
  const objectiveStart = objective.value(xStart);
  // The templates are sums of a finite number of MC events, so the likelihood has local minima in Δm² and τ:
  // MIGRAD starts from the best point of a grid in those (sin²2θ at its start value).
  let x0 = xStart;
  if (o.scanStart ?? true) {
    let best = objectiveStart;
    const dm2Grid = Array.from({ length: 21 }, (_, i) => xStart[1] * (0.8 + 0.02 * i));
    const tauGrid = joint ? Array.from({ length: 13 }, (_, i) => bounds[2][0] + ((bounds[2][1] - bounds[2][0]) * (i + 0.5)) / 13) : [undefined];
    for (const m of dm2Grid) {
      for (const tau of tauGrid) {
        const x = [xStart[0], m, ...(tau === undefined ? [] : [tau])];
        const v = objective.value(x);
        if (v < best) (best = v), (x0 = x);
      }
    }
  }
  const r = migrad(objective, x0, { bounds, tol: 0.01, errordef: 1 });
  const h = hesse(objective.hessian(r.x), r.x.map(() => false), 1);
  nT.dispose();
  const unscale = [1, SCALE.dm2, SCALE.tau];
  return {
    names: ['sin22theta', 'dm2eV2', ...(joint ? ['lifetimeUs'] : [])],
    values: r.x.map((v, i) => v * unscale[i]),
    errors: h.errors.map((e, i) => e * unscale[i]),
    objectiveStart,
    objectiveMin: r.fval,
    converged: r.converged,
    nfcn: r.nfcn,
  };
}

/** Expected counts at a theory point (numbers). */
export function expectedCounts(t: Templates, cfg: SpectrumConfig, sin22theta: number, dm2eV2: number, tauUs?: number): number[] {
  return tf.tidy(() => Array.from(expectedSpectrum(eventsAt(t, tauUs === undefined ? undefined : tf.scalar(tauUs)), { sin22theta: tf.scalar(sin22theta), dm2eV2: tf.scalar(dm2eV2) }, cfg).mu.dataSync()));
}
