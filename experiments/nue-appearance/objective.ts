/**
 * The chain's differentiable objective: the expected uncertainty on
 * sin²2θ (Cramér–Rao bound with Δm² free) of the electron-like spectrum,
 * as a function of the detector lifetime, the trigger threshold, the pixel
 * pitch, the reconstruction's lifetime constant and the two oscillation
 * parameters — neutrino events → relaxed simulation → reconstruction →
 * soft spectrum → Fisher information, in one tape.
 */
import { tf, type Tensor, valueAndGrad } from '../../src/autodiff/index.js';
import type { LArTPCTensors, SimConfig } from '../../src/sim/lartpc/index.js';
import type { PlannedEvent, RecoTensors, RecoConfig, RecoPlan } from '../../src/reco/lartpc/index.js';
import { chainObservables, type ScoreConfig } from './chain.js';
import { sin22thetaSensitivity, type SpectrumConfig } from './spectrum.js';

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
  /** The reconstruction's host decisions, held (from a first pass). */
  plan?: RecoPlan;
}

/** σ(sin²2θ) as a tensor function of the parameter tensors (tensor level). */
export function sensitivityTensor(ctx: ObjectiveContext, p: Record<keyof ObjectiveParams, Tensor>): Tensor {
  const sim: LArTPCTensors = {
    ...ctx.sim,
    drift: { ...ctx.sim.drift, lifetime: p['detector.lifetime'] },
    electronics: { ...ctx.sim.electronics, threshold: p['electronics.threshold'] },
    geometry: { ...ctx.sim.geometry, pitch: p['geometry.pitch'] },
  };
  const reco: RecoTensors = { ...ctx.reco, calibration: { ...ctx.reco.calibration, lifetime: p['reco.lifetime'] } };
  const o = chainObservables(ctx.planned, sim, reco, ctx.c, ctx.rc, ctx.score, ctx.plan);
  return sin22thetaSensitivity({ energyGeV: o.energyGeV, score: o.score, trueGeV: ctx.trueGeV, isNue: ctx.isNue }, { sin22theta: p.sin22theta, dm2eV2: p.dm2eV2 }, ctx.spectrum);
}

/** Holds the reconstruction's host decisions at the point `x` (one forward pass). */
export function holdPlan(ctx: ObjectiveContext, x: ObjectiveParams): ObjectiveContext {
  let plan: RecoPlan | undefined;
  tf.tidy(() => {
    const sim: LArTPCTensors = { ...ctx.sim, drift: { ...ctx.sim.drift, lifetime: tf.scalar(x['detector.lifetime']) } };
    plan = chainObservables(ctx.planned, sim, ctx.reco, ctx.c, ctx.rc, ctx.score).plan;
  });
  return { ...ctx, plan };
}

/** Value of the objective at `x` (number). */
export function sensitivityAt(ctx: ObjectiveContext, x: ObjectiveParams): number {
  return tf.tidy(() => sensitivityTensor(ctx, Object.fromEntries(Object.entries(x).map(([k, v]) => [k, tf.scalar(v)])) as Record<keyof ObjectiveParams, Tensor>).dataSync()[0]);
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
  const { value, grad } = valueAndGrad((p) => sensitivityTensor(ctx, p as Record<keyof ObjectiveParams, Tensor>))({ ...x });
  onStep();
  const g = grad as unknown as Record<string, number>;
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
