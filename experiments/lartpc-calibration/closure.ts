/**
 * The noisy closure at full statistics: ten targets, each fitted to tens of
 * thousands of tracks (the number the Fisher study says 1 % needs), in the
 * memory of one readout and resumable at any point.
 *
 * A Levenberg-Marquardt fit with an exact Hessian per iteration (fit.ts)
 * costs ~25 Hessian evaluations of the whole sample; here the sample is
 * visited only a few times:
 *
 * 1. **warm start**: the LM fit (`calibrateEvents`) of the first `warmTracks`
 *    tracks from nominal;
 * 2. **Newton passes**: the chi^2 Hessian of the first `hessianTracks`
 *    tracks at the warm point, scaled by N / hessianTracks, is the starting
 *    matrix of steps y <- y - H^-1 g, where g is the gradient of the whole
 *    sample at y (one gradient pass per step); after each pass the matrix
 *    gets the BFGS secant update from the exact change of the whole-sample
 *    gradient, so the curvature along the steps is measured rather than
 *    sampled. Steps are in the coordinates of physical-step.ts
 *    (sigmoid-bounded parameters in their physical value, log parameters in
 *    log), so that a warm start near a bound is not held there by a flat
 *    transform. The fixed point is the whole sample's optimum g = 0 whatever
 *    the matrix;
 * 3. **covariance**: the Hessian of the whole sample at the optimum, 2 H^-1
 *    (chi^2 = -2 ln L with Gaussian noise), for the uncertainties and pulls.
 *
 * Readout b of target k is regenerated each pass from its keys (tracks:
 * seed.fold('scaling').fold(b), noise: seed.fold('noise').fold(b), as the
 * scaling fits of study.ts, so the first 256 tracks are theirs), so the
 * pseudo-data are never stored. Sums are accumulated in float64 in readout
 * order and checkpointed atomically every `checkpointEvery` readouts: a run
 * killed and resumed ends on the same numbers as an uninterrupted one.
 */
import { existsSync, readFileSync, readdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tf, hessian, valueAndGrad, linalg, prngKey, writeJsonAtomic, DomainError, type Tensor, type ParamSet } from '../../src/autodiff/index.js';
import { lartpcParams, module0Config, LARPIX, type SimConfig } from '../../src/sim/lartpc/index.js';
import { startProgress } from '../../src/cli/progress.js';
import { sampleTracks } from './fisher.js';
import { makePseudoData, calibrateEvents, drawTarget, lossContext, chi2, chi2Value64, type FitEvent, type FitStep } from './fit.js';
import { SHORT } from './study.js';
import { coordinates, toPhysical, keepInside, unconstrainedOf, sigmaFromChi2Hessian, physicalSigma } from './physical-step.js';

/**
 * Increase of the summed chi^2 that sends a Newton step back to the last
 * accepted point. Smaller changes are not resolved: the readout windows are
 * planned at each point, and cells entering or leaving them move the sum by
 * ~1e-3 per readout, ~0.03-0.05 over 512 readouts, as much as a 0.2 sigma
 * step changes it; the secant-updated matrix, not the value, steers the
 * steps near the optimum.
 */
const CHI2_CLEAR_INCREASE = 1;

/**
 * Newton steps stop below this fraction of each parameter's sigma. The
 * simulation runs in float32, and on 32 768 tracks the field's sigma
 * (~2.4e-7 kV/cm, 5e-7 relative) is only ~8 float32 spacings of 0.5 kV/cm:
 * a move of 0.02 sigma changes the whole-sample gradient in the other five
 * parameters as the Hessian predicts and not at all in E (measured), and the
 * steps that recur near the optimum are 0.14 sigma in E with <= 0.02 sigma
 * in the others. 0.3 sigma of E is 1.5e-7 of its value.
 */
const STEP_TOL_SIGMA = 0.3;

/**
 * BFGS update of a Hessian approximation B with the move s and the gradient
 * change y, with Powell's damping (y replaced by theta y + (1 - theta) B s
 * when y^T s < 0.2 s^T B s), so that B stays positive definite and no
 * direction's curvature falls to a fifth of the model's in one update:
 * B - B s s^T B / (s^T B s) + r r^T / (r^T s).
 */
export function bfgsUpdate(B: number[][], s: number[], y: number[]): number[][] {
  const Bs = B.map((row) => row.reduce((a, x, j) => a + x * s[j], 0));
  const sBs = s.reduce((a, x, i) => a + x * Bs[i], 0);
  if (!(sBs > 0)) return B;
  const ys = y.reduce((a, x, i) => a + x * s[i], 0);
  const theta = ys >= 0.2 * sBs ? 1 : (0.8 * sBs) / (sBs - ys);
  const r = y.map((x, i) => theta * x + (1 - theta) * Bs[i]);
  const rs = r.reduce((a, x, i) => a + x * s[i], 0);
  return B.map((row, i) => row.map((x, j) => x - (Bs[i] * Bs[j]) / sBs + (r[i] * r[j]) / rs));
}

/** Options of `runClosure`. */
export interface ClosureOptions {
  seed: number;
  out: string;
  progress: boolean;
  /** Tracks per target (a multiple of `batch`). */
  tracks: number;
  /** Tracks per readout (event). */
  batch: number;
  /** Tracks of the warm-start LM fit (a multiple of `batch`, ≤ tracks). */
  warmTracks: number;
  /** Tracks of the fixed Newton matrix (a multiple of `batch`, ≤ tracks). */
  hessianTracks: number;
  /** Targets k = first, ..., first + count - 1 (targets of seed * 1000 + k, as the experiment's). */
  first: number;
  count: number;
  /** Per-tick noise [electrons]. */
  noiseE?: number;
  /** Newton steps at most (default 12). */
  maxNewton?: number;
  /** Stop when every step is below this fraction of its parameter's sigma (default `STEP_TOL_SIGMA`). */
  stepTolSigma?: number;
  /** Readouts between checkpoints. */
  checkpointEvery?: number;
  /** Called after each readout of a pass (tests use it to interrupt a run). */
  onReadout?: (k: number, phase: Phase, b: number) => void;
}

type Phase = 'warm' | 'matrix' | 'newton' | 'covariance' | 'done';

/** Running float64 sums of one pass over the readouts. */
interface PassSums {
  /** Next readout to add. */
  next: number;
  value: number;
  gradient: number[];
  matrix?: number[][];
}

/** One Newton step (gradient and step in physical units). */
interface NewtonStep {
  u: number[];
  value: number;
  gradient: number[];
  step: number[];
  /** max_i |step_i| / sigma_i. */
  step_sigma: number;
  halved: number;
}

/** The whole state of one target (the checkpoint). */
export interface TargetState {
  k: number;
  seed: number;
  phase: Phase;
  target: number[];
  /** Unconstrained point of the current pass. */
  u: number[];
  warm?: { fitted: number[]; uncertainties: number[]; iterations: number; cpu_s: number; history?: FitStep[] };
  /** Fixed Newton matrix (scaled to the whole sample). */
  matrix?: number[][];
  pass?: PassSums;
  newton: NewtonStep[];
  /** Last accepted point and its sums (for step halving). */
  accepted?: { u: number[]; value: number; gradient: number[] };
  result?: { fitted: number[]; uncertainties: number[]; errors_percent: number[]; pulls: number[]; chi2: number };
  cpu_s: number;
  /** Wall seconds summed over the invocations that worked on this target (absent in states written before it was kept). */
  wall_s?: number;
  passes: { phase: Phase; readouts: number; cpu_s: number }[];
}

/** The readouts of a target: segments and pseudo-data of readout b, regenerated from the keys. */
function readout(seed: number, b: number, batch: number, target: ParamSet, c: SimConfig, noiseE: number): FitEvent {
  const seg = sampleTracks('mixed', prngKey(seed).fold('scaling').fold(b), batch);
  return { seg, data: makePseudoData(seg, target, c, noiseE, prngKey(seed).fold('noise').fold(b)) };
}

/** chi^2 of one readout at the unconstrained point u: value and gradient, or also the Hessian. */
function readoutTerms(ev: FitEvent, ps: ParamSet, c: SimConfig, u: number[], withMatrix: boolean): { value: number; gradient: number[]; matrix?: number[][] } {
  ps.setUnconstrained(u);
  const ctx = lossContext(ev.seg, ps, c, ev.data);
  const uT = tf.tensor1d(u);
  let sim: Tensor | undefined;
  const keepSim = (t: Tensor) => {
    sim?.dispose();
    sim = tf.keep(tf.clone(t));
  };
  try {
    const f = (p: { u: Tensor }) => chi2(ev.seg, ps, c, ev.data, ctx, p.u, keepSim);
    // the value in float64 (chi2Value64): sums over many readouts are compared between Newton steps
    const value64 = () => chi2Value64(sim!.dataSync(), ctx.data.dataSync(), ctx, ev.data);
    if (withMatrix) {
      const h = hessian((p) => f(p as { u: Tensor }))({ u: uT });
      return { value: value64(), gradient: h.gradient, matrix: h.matrix };
    }
    const r = valueAndGrad((p) => f(p as { u: Tensor }))({ u: uT });
    return { value: value64(), gradient: Array.from((r.grad as { u: number[] }).u) };
  } finally {
    sim?.dispose();
    ctx.dispose();
    uT.dispose();
  }
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function checkMultiple(name: string, n: number, batch: number, max: number): void {
  if (!(Number.isInteger(n) && n >= batch && n % batch === 0 && n <= max)) throw new DomainError(name, n, `must be a multiple of --batch ${batch} between ${batch} and ${max}`);
}

/** Options of one target's large-sample fit (see `runClosure`). */
export type TargetFitOptions = Omit<ClosureOptions, 'first' | 'count' | 'progress'>;

/**
 * Fits (or resumes) target k of seed o.seed with o.tracks tracks, the state
 * checkpointed in o.out/closure-<tracks>/target-k.json; returns the final
 * state. `onProgress(done, total)` follows the readouts of each pass.
 */
export function fitTargetLarge(o: TargetFitOptions, k: number, onProgress?: (done: number, total: number) => void): TargetState {
  checkMultiple('tracks', o.tracks, o.batch, Infinity);
  checkMultiple('warmTracks', o.warmTracks, o.batch, o.tracks);
  checkMultiple('hessianTracks', o.hessianTracks, o.batch, o.tracks);
  const dir = join(o.out, `closure-${o.tracks}`);
  mkdirSync(dir, { recursive: true });
  const c = module0Config();
  const nominal = lartpcParams();
  const noiseE = o.noiseE ?? LARPIX.uncorrelatedNoiseE;
  const nb = o.tracks / o.batch;
  const maxNewton = o.maxNewton ?? 12;
  const tol = o.stepTolSigma ?? STEP_TOL_SIGMA;
  const every = o.checkpointEvery ?? 16;
  const file = join(dir, `target-${k}.json`);
  const seed = o.seed * 1000 + k;
  const target = drawTarget(nominal, prngKey(seed).fold('target'));
  const s: TargetState = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as TargetState)
    : { k, seed, phase: 'warm', target: Array.from(target.trainableVector()), u: Array.from(nominal.unconstrainedVector()), newton: [], cpu_s: 0, passes: [] };
  const save = () => writeJsonAtomic(file, s);
  const ps = nominal.clone();
  let cpuMark = cpuSeconds();
  let wallMark = Date.now();
  // CPU and wall time go into the checkpoint with the work they paid for, so a resumed target keeps both
  const tickCpu = () => {
    const now = cpuSeconds();
    s.cpu_s += now - cpuMark;
    cpuMark = now;
    const wall = Date.now();
    s.wall_s = (s.wall_s ?? 0) + (wall - wallMark) / 1000;
    wallMark = wall;
  };
  // one pass over readouts [0, n) at s.u, resumed from s.pass
  const pass = (n: number, withMatrix: boolean): PassSums => {
    const t0 = cpuSeconds();
    const p: PassSums = s.pass ?? { next: 0, value: 0, gradient: s.u.map(() => 0), ...(withMatrix ? { matrix: s.u.map(() => s.u.map(() => 0)) } : {}) };
    for (let b = p.next; b < n; b++) {
      const t = readoutTerms(readout(seed, b, o.batch, target, c, noiseE), ps, c, s.u, withMatrix);
      p.value += t.value;
      t.gradient.forEach((g, i) => (p.gradient[i] += g));
      if (withMatrix) t.matrix!.forEach((r, i) => r.forEach((x, j) => (p.matrix![i][j] += x)));
      p.next = b + 1;
      if (p.next % every === 0 || p.next === n) {
        s.pass = p;
        tickCpu();
        save();
      }
      onProgress?.(b + 1, n);
      o.onReadout?.(k, s.phase, b);
    }
    s.passes.push({ phase: s.phase, readouts: n, cpu_s: cpuSeconds() - t0 });
    s.pass = undefined;
    return p;
  };
  if (s.phase === 'warm') {
    const c0 = cpuSeconds();
    const events: FitEvent[] = [];
    for (let b = 0; b < o.warmTracks / o.batch; b++) events.push(readout(seed, b, o.batch, target, c, noiseE));
    const res = calibrateEvents(events, ps, c, { maxIter1: 8, maxIter2: 100 });
    s.warm = { fitted: res.fitted, uncertainties: res.uncertainties, iterations: res.iterations, cpu_s: cpuSeconds() - c0, history: res.history };
    s.u = Array.from(ps.unconstrainedVector());
    s.phase = 'matrix';
    tickCpu();
    save();
  }
  if (s.phase === 'matrix') {
    const p = pass(o.hessianTracks / o.batch, true);
    const scale = o.tracks / o.hessianTracks;
    ps.setUnconstrained(s.u);
    s.matrix = toPhysical(coordinates(ps), p.gradient, p.matrix!).matrix.map((r) => r.map((x) => x * scale));
    s.phase = 'newton';
    tickCpu();
    save();
  }
  if (s.phase === 'newton') {
    while (s.phase === 'newton') {
      const p = pass(nb, false);
      ps.setUnconstrained(s.u);
      const co = coordinates(ps);
      const gx = p.gradient.map((g, i) => g / co.dx[i]);
      const prev = s.accepted;
      if (prev) {
        ps.setUnconstrained(prev.u);
        const cPrev = coordinates(ps);
        ps.setUnconstrained(s.u);
        // secant (BFGS) update of the matrix along the move: the gradients of the whole sample are exact,
        // so the curvature along each step is measured, not sampled from the first tracks
        // (only along moves of a sigma or more: below that E's change is not resolved in float32, see STEP_TOL_SIGMA)
        const dy = co.x.map((x, i) => x - cPrev.x[i]);
        const dg = gx.map((g, i) => g - prev.gradient[i]);
        const sigPrev = sigmaFromChi2Hessian(s.matrix!);
        if (Math.max(...dy.map((d, i) => Math.abs(d) / sigPrev[i])) >= 1) s.matrix = bfgsUpdate(s.matrix!, dy, dg);
        if (p.value > prev.value + CHI2_CLEAR_INCREASE && (s.newton[s.newton.length - 1]?.halved ?? 0) < 6) {
          // clearly worse: step again from the last accepted point with the updated matrix
          const step = linalg.solve(s.matrix!, prev.gradient.map((g) => -g));
          const sig = sigmaFromChi2Hessian(s.matrix!);
          s.newton.push({ u: prev.u.slice(), value: prev.value, gradient: prev.gradient, step, step_sigma: Math.max(...step.map((x, i) => Math.abs(x) / sig[i])), halved: (s.newton[s.newton.length - 1]?.halved ?? 0) + 1 });
          s.u = unconstrainedOf(ps, keepInside(cPrev, step), cPrev);
          tickCpu();
          save();
          continue;
        }
      }
      s.accepted = { u: s.u.slice(), value: p.value, gradient: gx };
      const step = linalg.solve(s.matrix!, gx.map((g) => -g));
      const sig = sigmaFromChi2Hessian(s.matrix!);
      const stepSigma = Math.max(...step.map((x, i) => Math.abs(x) / sig[i]));
      s.newton.push({ u: s.u.slice(), value: p.value, gradient: gx, step, step_sigma: stepSigma, halved: 0 });
      if (stepSigma < tol || s.newton.length >= maxNewton) s.phase = 'covariance';
      else s.u = unconstrainedOf(ps, keepInside(co, step), co);
      tickCpu();
      save();
    }
  }
  if (s.phase === 'covariance') {
    const p = pass(nb, true);
    ps.setUnconstrained(s.u);
    const cf = coordinates(ps);
    const unc = physicalSigma(ps, cf, toPhysical(cf, p.gradient, p.matrix!).matrix);
    const fitted = Array.from(ps.trainableVector());
    s.result = {
      fitted,
      uncertainties: unc,
      errors_percent: fitted.map((x, i) => (100 * (x - s.target[i])) / s.target[i]),
      pulls: fitted.map((x, i) => (x - s.target[i]) / unc[i]),
      chi2: p.value,
    };
    s.phase = 'done';
    tickCpu();
    save();
  }
  return s;
}

/**
 * Runs (or resumes) the full-statistics noisy closure for targets
 * first ... first + count - 1 and writes closure-<tracks>.json with, per
 * finished target in the folder, the fitted values, Hessian uncertainties,
 * errors in % and pulls, plus the worst error and the pull mean and rms.
 */
export async function runClosure(o: ClosureOptions): Promise<{ summary: string; file: string }> {
  const dir = join(o.out, `closure-${o.tracks}`);
  const nominal = lartpcParams();
  const paths = nominal.trainableNames();
  const noiseE = o.noiseE ?? LARPIX.uncorrelatedNoiseE;
  const bar = startProgress(`closure ${o.tracks} tracks`, o.count, o.progress);
  for (let k = o.first; k < o.first + o.count; k++) {
    fitTargetLarge(o, k, (done, total) => bar.update(k - o.first + done / total));
    bar.update(k - o.first + 1);
  }
  bar.stop();
  // the summary covers every finished target in the folder (runs over disjoint target ranges share it)
  const states: TargetState[] = readdirSync(dir)
    .filter((f) => /^target-\d+\.json$/.test(f))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as TargetState)
    .sort((a, b) => a.k - b.k);
  const names = paths.map((p) => SHORT[p]);
  const done = states.filter((s) => s.result);
  const errs = done.flatMap((s) => s.result!.errors_percent.map(Math.abs));
  const pulls = done.flatMap((s) => s.result!.pulls);
  const mean = pulls.reduce((a, b) => a + b, 0) / Math.max(pulls.length, 1);
  const rms = Math.sqrt(pulls.reduce((a, b) => a + b * b, 0) / Math.max(pulls.length, 1));
  const perParam = (f: (s: TargetState, i: number) => number) => Object.fromEntries(names.map((n, i) => [n, done.map((s) => f(s, i))]));
  const result = {
    parameters: names,
    tracks_per_target: o.tracks,
    batch_tracks: o.batch,
    warm_tracks: o.warmTracks,
    hessian_tracks: o.hessianTracks,
    noise_e_per_tick: noiseE,
    targets_done: done.map((s) => s.k),
    targets: done.map((s) => Object.fromEntries(names.map((n, i) => [n, s.target[i]]))),
    fitted: done.map((s) => Object.fromEntries(names.map((n, i) => [n, s.result!.fitted[i]]))),
    uncertainties: done.map((s) => Object.fromEntries(names.map((n, i) => [n, s.result!.uncertainties[i]]))),
    errors_percent: done.map((s) => Object.fromEntries(names.map((n, i) => [n, s.result!.errors_percent[i]]))),
    pulls: done.map((s) => Object.fromEntries(names.map((n, i) => [n, s.result!.pulls[i]]))),
    warm_errors_percent: done.map((s) => Object.fromEntries(names.map((n, i) => [n, (100 * (s.warm!.fitted[i] - s.target[i])) / s.target[i]]))),
    newton_steps: done.map((s) => s.newton.length),
    worst_error_percent: errs.length ? Math.max(...errs) : null,
    worst_error_percent_per_parameter: Object.fromEntries(names.map((n, i) => [n, done.length ? Math.max(...done.map((s) => Math.abs(s.result!.errors_percent[i]))) : null])),
    pull_mean: mean,
    pull_rms: rms,
    pull_mean_per_parameter: Object.fromEntries(Object.entries(perParam((s, i) => s.result!.pulls[i])).map(([n, v]) => [n, v.reduce((a, b) => a + b, 0) / Math.max(v.length, 1)])),
    cpu_s: Object.fromEntries(states.map((s) => [s.k, s.cpu_s])),
    phases: Object.fromEntries(states.map((s) => [s.k, s.phase])),
  };
  const file = join(o.out, `closure-${o.tracks}.json`);
  writeJsonAtomic(file, result);
  const summary = done.length
    ? `${done.length} targets done, ${o.tracks} tracks each: worst error ${result.worst_error_percent!.toFixed(3)} %, pull mean ${mean.toFixed(2)}, rms ${rms.toFixed(2)}`
    : '0 targets done';
  return { summary, file };
}
