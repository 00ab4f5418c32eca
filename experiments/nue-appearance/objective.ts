/**
 * The chain's differentiable objective: the expected uncertainty on
 * sin²2θ (Cramér–Rao bound with Δm² free) of the electron-like spectrum,
 * as a function of the detector lifetime, the trigger threshold, the pixel
 * pitch, the reconstruction's lifetime constant and the two oscillation
 * parameters — neutrino events → relaxed simulation → reconstruction →
 * soft spectrum → Fisher information. Events are processed in batches of
 * BATCH_EVENTS (memory of one batch); the gradient goes through the sum of
 * the batch spectra by the chain rule.
 */
import { tf, type Tensor, valueAndGrad } from '../../src/autodiff/index.js';
import type { LArTPCTensors, SimConfig } from '../../src/sim/lartpc/index.js';
import type { PlannedEvent, RecoTensors, RecoConfig, RecoPlan } from '../../src/reco/lartpc/index.js';
import { chainObservables, BATCH_EVENTS, type ScoreConfig } from './chain.js';
import { expectedSpectrum, sensitivityFromSpectra, type SpectrumConfig } from './spectrum.js';

/** The parameters the gradient study differentiates (physical units; Δm² in eV²). */
export interface ObjectiveParams {
  'detector.lifetime': number;
  'electronics.threshold': number;
  'geometry.pitch': number;
  'reco.lifetime': number;
  sin22theta: number;
  dm2eV2: number;
}

/** What the objective closes over. */
export interface ObjectiveContext {
  planned: PlannedEvent[];
  trueGeV: Float32Array;
  isNue: Uint8Array;
  sim: LArTPCTensors;
  reco: RecoTensors;
  c: SimConfig;
  rc: RecoConfig;
  score: ScoreConfig;
  spectrum: SpectrumConfig;
  /** The reconstruction's host decisions of each batch, held (from a first pass). */
  plans?: RecoPlan[];
  /** Events per batch (default BATCH_EVENTS). */
  batchEvents?: number;
}

type P = Record<keyof ObjectiveParams, Tensor>;

function scalars(x: ObjectiveParams): P {
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, tf.scalar(v)])) as P;
}

/** Expected counts and their theory derivatives of batch `k` of the events (tensor level). */
export function batchSpectra(ctx: ObjectiveContext, k: number, p: P): { mu: Tensor; dMuDs: Tensor; dMuDdm2: Tensor; plan: RecoPlan } {
  const sim: LArTPCTensors = {
    ...ctx.sim,
    drift: { ...ctx.sim.drift, lifetime: p['detector.lifetime'] },
    electronics: { ...ctx.sim.electronics, threshold: p['electronics.threshold'] },
    geometry: { ...ctx.sim.geometry, pitch: p['geometry.pitch'] },
  };
  const reco: RecoTensors = { ...ctx.reco, calibration: { ...ctx.reco.calibration, lifetime: p['reco.lifetime'] } };
  const size = ctx.batchEvents ?? BATCH_EVENTS;
  const a = k * size;
  const b = Math.min(ctx.planned.length, a + size);
  const o = chainObservables(ctx.planned.slice(a, b), sim, reco, ctx.c, ctx.rc, ctx.score, ctx.plans?.[k]);
  const nNue = ctx.isNue.reduce((s, f) => s + f, 0);
  const sp = expectedSpectrum({ energyGeV: o.energyGeV, score: o.score, trueGeV: ctx.trueGeV.subarray(a, b), isNue: ctx.isNue.subarray(a, b) }, { sin22theta: p.sin22theta, dm2eV2: p.dm2eV2 }, ctx.spectrum, { nNue, nNumu: ctx.isNue.length - nNue });
  return { ...sp, plan: o.plan };
}

function nBatches(ctx: ObjectiveContext): number {
  return Math.ceil(ctx.planned.length / (ctx.batchEvents ?? BATCH_EVENTS));
}

/** Summed spectra of all batches at `x` (numbers; one forward pass per batch). */
function spectraAt(ctx: ObjectiveContext, x: ObjectiveParams): { mu: number[]; dMuDs: number[]; dMuDdm2: number[]; plans: RecoPlan[] } {
  const nb = ctx.spectrum.edgesGeV.length - 1;
  const acc = { mu: new Array(nb).fill(0), dMuDs: new Array(nb).fill(0), dMuDdm2: new Array(nb).fill(0) };
  const plans: RecoPlan[] = [];
  for (let k = 0; k < nBatches(ctx); k++) {
    tf.tidy(() => {
      const r = batchSpectra(ctx, k, scalars(x));
      plans.push(r.plan);
      for (const f of ['mu', 'dMuDs', 'dMuDdm2'] as const) r[f].dataSync().forEach((v, i) => (acc[f][i] += v));
    });
  }
  return { ...acc, plans };
}

/** Holds the reconstruction's host decisions at the point `x` (one forward pass). */
export function holdPlan(ctx: ObjectiveContext, x: ObjectiveParams): ObjectiveContext {
  return { ...ctx, plans: spectraAt({ ...ctx, plans: undefined }, x).plans };
}

/** σ(sin²2θ) at `x` (number). */
export function sensitivityAt(ctx: ObjectiveContext, x: ObjectiveParams): number {
  const s = spectraAt(ctx, x);
  return tf.tidy(() => sensitivityFromSpectra(tf.tensor1d(s.mu), tf.tensor1d(s.dMuDs), tf.tensor1d(s.dMuDdm2)).dataSync()[0]);
}

/**
 * σ(sin²2θ) at `x` and its gradient, in memory bounded by one batch: a
 * forward pass gives the summed spectra S, autodiff gives ∂σ/∂S there, and
 * the gradient is Σ_batches of the gradient of ⟨∂σ/∂S, S_batch(p)⟩ (the
 * chain rule through the sum; exact).
 */
export function sensitivityValueAndGrad(ctx: ObjectiveContext, x: ObjectiveParams): { value: number; grad: Record<keyof ObjectiveParams, number> } {
  const s = spectraAt(ctx, x);
  const sums = { mu: tf.tensor1d(s.mu), dMuDs: tf.tensor1d(s.dMuDs), dMuDdm2: tf.tensor1d(s.dMuDdm2) };
  let outer: { value: number; grad: unknown };
  try {
    outer = valueAndGrad((q) => {
      const t = q as Record<string, Tensor>;
      return sensitivityFromSpectra(t.mu, t.dMuDs, t.dMuDdm2);
    })(sums as never);
  } finally {
    tf.dispose(Object.values(sums));
  }
  const ct = outer.grad as unknown as { mu: number[]; dMuDs: number[]; dMuDdm2: number[] };
  const grad = Object.fromEntries(Object.keys(x).map((k) => [k, 0])) as Record<keyof ObjectiveParams, number>;
  for (let k = 0; k < nBatches(ctx); k++) {
    const { grad: g } = valueAndGrad((p) => {
      const r = batchSpectra(ctx, k, p as P);
      return tf.addN([tf.sum(tf.mul(r.mu, tf.tensor1d(ct.mu))), tf.sum(tf.mul(r.dMuDs, tf.tensor1d(ct.dMuDs))), tf.sum(tf.mul(r.dMuDdm2, tf.tensor1d(ct.dMuDdm2)))]);
    })({ ...x });
    for (const [n, v] of Object.entries(g as Record<string, number>)) grad[n as keyof ObjectiveParams] += v;
  }
  return { value: outer.value, grad };
}

/**
 * Relative finite-difference steps. The pitch moves every pixel edge by
 * (pixel index × step), up to 280 × step, against charge clouds as narrow as
 * 10 µm near the anode: steps above ~1e-5 are outside the linear range, steps
 * below ~2e-6 move edges by a few float32 ulps of the ~40 cm coordinates. The
 * plateau in between (measured: the difference quotient varies by 2–4 %
 * between 2e-6 and 1e-5 on six events) sets the precision of the pitch check.
 */
export const FD_RELATIVE_STEP: Record<keyof ObjectiveParams, number> = {
  'detector.lifetime': 1e-3,
  'electronics.threshold': 1e-3,
  'geometry.pitch': 5e-6,
  'reco.lifetime': 1e-3,
  sin22theta: 1e-3,
  dm2eV2: 1e-3,
};

/**
 * Autodiff gradient and central finite differences (common random numbers:
 * the same events, noise draws, windows, trigger schedules and clusters) of
 * σ(sin²2θ) at `x`. `onStep` is called after each evaluation.
 */
export function gradientCheck(ctx: ObjectiveContext, x: ObjectiveParams, names: (keyof ObjectiveParams)[], onStep: () => void = () => undefined): { value: number; gradients: Record<string, { autodiff: number; finite_difference: number; step: number }> } {
  const { value, grad: g } = sensitivityValueAndGrad(ctx, x);
  onStep();
  const gradients: Record<string, { autodiff: number; finite_difference: number; step: number }> = {};
  for (const n of names) {
    const h = FD_RELATIVE_STEP[n] * Math.abs(x[n]);
    const central = (step: number) => {
      // the step as float32 sees it
      const hp = Math.fround(x[n] + step) - Math.fround(x[n]);
      const hm = Math.fround(x[n]) - Math.fround(x[n] - step);
      const fp = sensitivityAt(ctx, { ...x, [n]: x[n] + step });
      onStep();
      const fm = sensitivityAt(ctx, { ...x, [n]: x[n] - step });
      onStep();
      return (fp - fm) / (hp + hm);
    };
    gradients[n] = { autodiff: g[n], finite_difference: central(h), step: h };
  }
  return { value, gradients };
}
