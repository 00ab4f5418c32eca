/**
 * The calibration fit: pseudo-data from the simulation at hidden target
 * parameters, and a two-stage Levenberg-Marquardt (damped Newton with the
 * exact autodiff Hessian) fit of the six anchor parameters from nominal.
 *
 * Stage 1 fits per-pixel moments (total charge and charge-weighted mean
 * tick), which stay informative however far the simulated charge is shifted
 * in time — it brings the drift velocity into the basin of stage 2. Stage 2
 * minimizes the per-pixel-tick chi^2, sum (sim - data)^2 / sigma^2 over the
 * readout, with the expected noise contribution removed; with Gaussian noise
 * it is -2 ln L, so 2 H^-1 at the minimum is the covariance.
 */
import { tf, hessian, linalg, prngKey, kahanSum, DomainError, type Tensor, type ParamSet, type PRNGKey } from '../../src/autodiff/index.js';
import {
  ANCHOR_FIT_PARAMS,
  planReadout,
  simulateReadout,
  asLArTPCTensors,
  valuesOf,
  addChunkRanges,
  layoutFromRanges,
  scatterIndex,
  cellNormal,
  NOISE_STREAM,
  scatterAdd,
  type ReadoutLayout,
  type Segments,
  type SimConfig,
  type ReadoutPlan,
} from '../../src/sim/lartpc/index.js';

/** Pseudo-data: the noise-free readout at the target, keyed by (pixel id, tick), and its noise. */
export interface PseudoData {
  charge: Map<number, Float64Array>;
  tickStart: Map<number, number>;
  noiseE: number;
  noiseKey?: PRNGKey;
  ranges: Map<number, [number, number]>;
}

/** Simulates the pseudo-data at the target parameters. */
export function makePseudoData(seg: Segments, target: ParamSet, c: SimConfig, noiseE: number, noiseKey?: PRNGKey): PseudoData {
  const v = valuesOf(target);
  const plan = planReadout(seg, v, c);
  // tidy returns the tensor: a large typed array returned from tidy would be scanned element by element
  const rT = tf.tidy(() => simulateReadout(seg, asLArTPCTensors(target.constantTree()), plan, c));
  const r = rT.dataSync() as Float32Array;
  rT.dispose();
  const charge = new Map<number, Float64Array>();
  const tickStart = new Map<number, number>();
  const ranges = new Map<number, [number, number]>();
  const L = plan.layout;
  L.pixels.forEach((id, row) => {
    charge.set(id, Float64Array.from(r.subarray(L.offset[row], L.offset[row] + L.length[row])));
    tickStart.set(id, L.tickStart[row]);
    ranges.set(id, [L.tickStart[row], L.tickStart[row] + L.length[row] - 1]);
  });
  return { charge, tickStart, noiseE, noiseKey, ranges };
}

/** The data vector on a layout: noise-free charge where simulated, plus noise on every cell. */
function dataOn(layout: ReadoutLayout, d: PseudoData): Float32Array {
  const out = new Float32Array(layout.size);
  layout.pixels.forEach((id, row) => {
    const q = d.charge.get(id);
    const ts = d.tickStart.get(id) ?? 0;
    for (let k = 0; k < layout.length[row]; k++) {
      const t = layout.tickStart[row] + k;
      let x = q && t - ts >= 0 && t - ts < q.length ? q[t - ts] : 0;
      if (d.noiseKey) x += d.noiseE * cellNormal(d.noiseKey, NOISE_STREAM.readout, id, t);
      out[layout.offset[row] + k] = x;
    }
  });
  return out;
}

/** Everything one loss evaluation at a point needs, planned on the host. */
export interface LossContext {
  plan: ReadoutPlan;
  data: Tensor;
  rowIndex: Int32Array;
  ticks: Tensor;
  nRows: number;
  dataQ: Tensor;
  dataMean: Tensor;
  /** 1 for the cells inside the data's own (target) windows. */
  inData: Uint8Array;
  dispose(): void;
}

/** Plans the simulation at the current values on the union of its windows and the data's. */
export function lossContext(seg: Segments, ps: ParamSet, c: SimConfig, d: PseudoData): LossContext {
  const v = valuesOf(ps);
  const own = planReadout(seg, v, c);
  const ranges = new Map<number, [number, number]>();
  for (const [k, r] of d.ranges) ranges.set(k, [r[0], r[1]]);
  for (const ch of own.chunks) addChunkRanges(ch, c, ranges);
  const layout = layoutFromRanges(ranges);
  const index = own.chunks.map((ch) => scatterIndex(ch, layout, c).index);
  const plan: ReadoutPlan = { chunks: own.chunks, layout, index, discarded: 0 };
  const host = dataOn(layout, d);
  const rowIndex = new Int32Array(layout.size);
  const tick = new Float32Array(layout.size);
  const inData = new Uint8Array(layout.size);
  layout.pixels.forEach((id, row) => {
    const r = d.ranges.get(id);
    for (let k = 0; k < layout.length[row]; k++) {
      const t = layout.tickStart[row] + k;
      rowIndex[layout.offset[row] + k] = row;
      tick[layout.offset[row] + k] = t;
      if (r && t >= r[0] && t <= r[1]) inData[layout.offset[row] + k] = 1;
    }
  });
  const nRows = layout.pixels.length;
  const data = tf.tensor1d(host);
  const ticks = tf.tensor1d(tick);
  // stage-1 moments of the data: cells below 3 sigma of noise are zeroed (a constant of the data)
  const masked = tf.tensor1d(host.map((x) => (d.noiseKey && x < 3 * d.noiseE ? 0 : x)));
  const [dataQ, dataMean] = tf.tidy(() => {
    const q = scatterAdd(masked, rowIndex, nRows);
    const m = tf.div(scatterAdd(tf.mul(masked, ticks), rowIndex, nRows), tf.add(tf.abs(q), 1));
    return [q, m];
  });
  return { plan, data, rowIndex, ticks, nRows, dataQ, dataMean, inData, dispose: () => tf.dispose([data, ticks, dataQ, dataMean, masked]) };
}

/**
 * Stage-2 loss: chi^2 over the readout (tensor level). `onSim` receives the
 * simulated readout (to recompute the value in float64 on the host).
 */
export function chi2(seg: Segments, ps: ParamSet, c: SimConfig, d: PseudoData, ctx: LossContext, u: Tensor, onSim?: (sim: Tensor) => void): Tensor {
  const sim = simulateReadout(seg, asLArTPCTensors(ps.physicalTree(u)), ctx.plan, c);
  onSim?.(sim);
  const r = tf.sub(sim, ctx.data);
  const chi = tf.div(tf.sum(tf.square(r)), d.noiseE * d.noiseE);
  return d.noiseKey ? tf.sub(chi, ctx.plan.layout.size) : chi;
}

/**
 * The stage-2 chi^2 in float64, on a cell set that does not depend on the
 * point: a float32 sum over ~10^5 cells, minus their count, keeps only
 * ~10^-2 of the value, and the readout windows planned at the point (part of
 * the tensor chi^2's cells) move with it, each cell bringing a noise-only
 * term; Newton steps near the optimum of a large sample change the summed
 * chi^2 by less than either. Cells of the data's windows count
 * (sim - data)^2 / sigma^2 - 1; other cells, where the data is noise n only,
 * count (sim - n)^2 - n^2 = sim^2 - 2 sim n over sigma^2, which is zero where
 * nothing is simulated. The difference to the tensor chi^2 does not depend
 * on the parameters, so the gradient is the same.
 */
export function chi2Value64(sim: ArrayLike<number>, data: ArrayLike<number>, ctx: LossContext, d: PseudoData): number {
  const inv = 1 / (d.noiseE * d.noiseE);
  const terms = new Float64Array(sim.length);
  for (let i = 0; i < sim.length; i++) {
    const s = sim[i];
    const x = data[i];
    if (ctx.inData[i]) terms[i] = (s - x) * (s - x) * inv - (d.noiseKey ? 1 : 0);
    else terms[i] = d.noiseKey ? (s * s - 2 * s * x) * inv : (s - x) * (s - x) * inv;
  }
  return kahanSum(terms);
}

/** Stage-1 loss: per-pixel total charge and charge-weighted mean tick (tensor level). */
export function momentLoss(seg: Segments, ps: ParamSet, c: SimConfig, d: PseudoData, ctx: LossContext, u: Tensor): Tensor {
  const sim = simulateReadout(seg, asLArTPCTensors(ps.physicalTree(u)), ctx.plan, c);
  const q = scatterAdd(sim, ctx.rowIndex, ctx.nRows);
  const m = tf.div(scatterAdd(tf.mul(sim, ctx.ticks), ctx.rowIndex, ctx.nRows), tf.add(q, 1));
  const w = tf.div(tf.mul(q, ctx.dataQ), tf.add(tf.add(q, ctx.dataQ), 1));
  const lq = tf.div(tf.sum(tf.square(tf.sub(q, ctx.dataQ))), 1e6);
  const lt = tf.div(tf.sum(tf.mul(w, tf.square(tf.sub(m, ctx.dataMean)))), 1e2);
  return tf.add(lq, lt);
}

/** One recorded iteration. */
export interface FitStep {
  iteration: number;
  stage: 1 | 2;
  loss: number;
  values: number[];
}

/** Result of `calibrate`. */
export interface FitResult {
  fitted: number[];
  uncertainties: number[];
  iterations: number;
  history: FitStep[];
  finalLoss: number;
}

/** Projects an unconstrained point so that every trainable parameter lies inside its fit range. */
function projectToBounds(ps: ParamSet, u: number[]): number[] {
  const out = u.slice();
  let k = 0;
  for (const e of ps.trainable) {
    for (let i = 0; i < e.values.length; i++, k++) {
      const b = e.def.bounds;
      if (!b) continue;
      const x = e.bij.forward(u[k]);
      const eps = 1e-6 * (b[1] - b[0]);
      if (!(x > b[0] + eps)) out[k] = e.bij.inverse(b[0] + eps);
      else if (!(x < b[1] - eps)) out[k] = e.bij.inverse(b[1] - eps);
    }
  }
  return out;
}

function evalLoss(fn: (u: Tensor) => Tensor, u: number[]): number {
  return tf.tidy(() => fn(tf.tensor1d(u)).dataSync()[0]);
}

/** One event of a fit: its segments and its pseudo-data (the losses of events add). */
export interface FitEvent {
  seg: Segments;
  data: PseudoData;
}

type StageLoss = typeof chi2;

/** Value, gradient and Hessian of a loss summed over the events, at the current values of `ps`. */
function summedHessian(events: FitEvent[], ps: ParamSet, c: SimConfig, lossOf: StageLoss): { value: number; gradient: number[]; matrix: number[][] } {
  let acc: { value: number; gradient: number[]; matrix: number[][] } | undefined;
  const u0 = Array.from(ps.unconstrainedVector());
  for (const ev of events) {
    const ctx = lossContext(ev.seg, ps, c, ev.data);
    const uT = tf.tensor1d(u0);
    let h;
    try {
      h = hessian((p) => lossOf(ev.seg, ps, c, ev.data, ctx, (p as { u: Tensor }).u))({ u: uT });
    } finally {
      ctx.dispose();
      uT.dispose();
    }
    acc = acc
      ? { value: acc.value + h.value, gradient: acc.gradient.map((g, i) => g + h.gradient[i]), matrix: acc.matrix.map((r, i) => r.map((x, j) => x + h.matrix[i][j])) }
      : { value: h.value, gradient: h.gradient, matrix: h.matrix };
  }
  return acc as { value: number; gradient: number[]; matrix: number[][] };
}

/** A loss summed over the events at the unconstrained point u, each planned at the current values of `ps`. */
function summedLoss(events: FitEvent[], ps: ParamSet, c: SimConfig, lossOf: StageLoss, u: number[]): number {
  let f = 0;
  for (const ev of events) {
    const ctx = lossContext(ev.seg, ps, c, ev.data);
    try {
      f += evalLoss((t) => lossOf(ev.seg, ps, c, ev.data, ctx, t), u);
    } finally {
      ctx.dispose();
    }
  }
  return f;
}

/** Options of `calibrate`. */
export interface CalibrateOptions {
  maxIter1: number;
  maxIter2: number;
  onStep?: (s: FitStep) => void;
}

/**
 * Fits the trainable parameters of `ps` (modified in place) to the data by
 * Levenberg-Marquardt on the exact Hessian, stage 1 then stage 2.
 */
export function calibrate(seg: Segments, ps: ParamSet, c: SimConfig, d: PseudoData, opts: CalibrateOptions): FitResult {
  return calibrateEvents([{ seg, data: d }], ps, c, opts);
}

/**
 * `calibrate` on several independent events (readouts): the losses, their
 * gradients and Hessians are sums over the events, so a large sample is fitted
 * one readout at a time in bounded memory.
 */
export function calibrateEvents(events: FitEvent[], ps: ParamSet, c: SimConfig, opts: CalibrateOptions): FitResult {
  if (events.length === 0) throw new DomainError('events', 0, 'at least one event is needed');
  const history: FitStep[] = [];
  let iteration = 0;
  let finalLoss = NaN;
  for (const stage of [1, 2] as const) {
    const lossOf = stage === 1 ? momentLoss : chi2;
    let lambda = 1e-3;
    const maxIter = stage === 1 ? opts.maxIter1 : opts.maxIter2;
    for (let it = 0; it < maxIter; it++) {
      const u0 = Array.from(ps.unconstrainedVector());
      const h = summedHessian(events, ps, c, lossOf);
      // stage 1 moves only the field (it aligns the drift time); stage 2 moves all
      const free = stage === 1 ? [ps.trainableNames().indexOf('drift.efield')] : u0.map((_, i) => i);
      let accepted = false;
      let step: number[] = [];
      for (let tries = 0; tries < 12 && !accepted; tries++) {
        const A = free.map((i) => free.map((j) => (i === j ? h.matrix[i][j] + lambda * Math.max(Math.abs(h.matrix[i][i]), 1e-12) : h.matrix[i][j])));
        let sub: number[];
        try {
          sub = linalg.solve(A, free.map((i) => -h.gradient[i]));
        } catch {
          lambda *= 10;
          continue;
        }
        const cap = Math.max(...sub.map(Math.abs));
        if (cap > 1) sub = sub.map((x) => x / cap);
        step = u0.map(() => 0);
        free.forEach((i, k) => (step[i] = sub[k]));
        const u1 = projectToBounds(ps, u0.map((x, i) => x + step[i]));
        // the trial point is evaluated with the plan at the current point (same cells)
        const f1 = summedLoss(events, ps, c, lossOf, u1);
        if (Number.isFinite(f1) && f1 <= h.value) {
          ps.setUnconstrained(u1);
          lambda = Math.max(lambda / 5, 1e-9);
          accepted = true;
          finalLoss = f1;
        } else lambda *= 8;
      }
      iteration++;
      const s: FitStep = { iteration, stage, loss: accepted ? finalLoss : h.value, values: Array.from(ps.trainableVector()) };
      history.push(s);
      opts.onStep?.(s);
      const small = Math.max(...step.map(Math.abs)) < (stage === 1 ? 1e-3 : 1e-6);
      if (!accepted || small) break;
    }
  }
  // covariance from the Hessian of the chi^2 at the final point: cov_u = 2 H^-1
  const h = summedHessian(events, ps, c, chi2);
  finalLoss = h.value;
  let cov: number[][];
  try {
    cov = linalg.inverse(h.matrix);
  } catch {
    // a parameter pinned at its bound leaves a zero row: regularize so the others still get errors
    const ridge = 1e-9 * Math.max(...h.matrix.map((r, i) => Math.abs(r[i])));
    cov = linalg.inverse(h.matrix.map((r, i) => r.map((x, j) => (i === j ? x + ridge : x))));
  }
  const jd = ps.jacobianDiagonal();
  const uncertainties = cov.map((row, i) => Math.sqrt(Math.max(2 * row[i], 0)) * jd[i]);
  return { fitted: Array.from(ps.trainableVector()), uncertainties, iterations: iteration, history, finalLoss };
}

/** The six parameter paths in ParamSet order. */
export function fitParamNames(ps: ParamSet): string[] {
  const names = ps.trainableNames();
  for (const p of ANCHOR_FIT_PARAMS) if (!names.includes(p)) throw new Error(`parameter ${p} is not trainable`);
  return names;
}

/** Draws a target inside the inner 80 % of each fit range. */
export function drawTarget(ps: ParamSet, key: PRNGKey): ParamSet {
  const t = ps.clone();
  const u = key.uniforms(t.size);
  let i = 0;
  for (const e of t.trainable) {
    const [lo, hi] = e.def.bounds as [number, number];
    t.set(e.path, lo + (0.1 + 0.8 * u[i++]) * (hi - lo));
  }
  return t;
}

export { prngKey };
