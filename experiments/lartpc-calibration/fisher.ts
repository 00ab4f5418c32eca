/**
 * Statistical reach of the calibration (Cramér-Rao): the expected Fisher
 * information of the six fitted parameters for a track sample and a noise
 * model, without any fit.
 *
 * With Gaussian noise the fit minimizes chi^2 = -2 ln L, and at the true
 * parameters with the noise-free data the Hessian of chi^2 is exactly
 * 2 J^T J / sigma^2 = 2 F (J the Jacobian of the readout in the fit
 * coordinates): the same matrix whose inverse the fit reports as its
 * covariance (cov = 2 H^-1), taken at the truth instead of the optimum. The
 * information of independent events adds, so a sample of N tracks is built
 * from batches of `batch` tracks (each batch one readout, like one event)
 * and the Hessians are summed: sigma(N) ∝ 1/sqrt(N) up to the fluctuations of
 * the sample.
 *
 * Two observables: 'tick' is the fit's per-pixel-tick chi^2 with white noise
 * on every 0.1 µs tick; 'hit' is a chi^2 on the charges of the LArPix hits
 * (the noise-free trigger schedule held fixed), each with the LArPix per-hit
 * noise: reset and uncorrelated noise plus the ADC quantization
 * (`hitNoiseE`). The hit observable ignores the information in the trigger
 * times (a lower bound on what hits carry on E and D_L).
 */
import { tf, hessian, linalg, type Tensor, type ParamSet, type PRNGKey } from '../../src/autodiff/index.js';
import { DomainError } from '../../src/autodiff/index.js';
import {
  LARPIX,
  MODULE0,
  concatSegments,
  randomTracks,
  trackSegments,
  triggerSchedule,
  valuesOf,
  scatterAdd,
  gatherAt,
  segmentCount,
  asLArTPCTensors,
  simulateReadout,
  type LArTPCValues,
  type Segments,
  type SimConfig,
} from '../../src/sim/lartpc/index.js';
import { makePseudoData, lossContext, chi2, type LossContext, type PseudoData } from './fit.js';

/** Track samples of the study. */
export const SAMPLE_KINDS = ['mixed', 'crossing'] as const;
export type SampleKind = (typeof SAMPLE_KINDS)[number];

/**
 * The calibration experiment's sample: muons and protons (40-120 MeV, most
 * stop) in both TPCs, up to 8 cm long, starting at drift distances 2.5-28 cm.
 */
export function mixedTracks(key: PRNGKey, nTracks: number): Segments {
  const o = { maxLengthCm: 8, stepCm: 0.4, protonFraction: 0.5, protonMeV: [40, 120] as [number, number] };
  const a = randomTracks(key.fold(0), Math.ceil(nTracks / 2), { box: { x: [-12, 12], y: [-30, -6], z: [2.5, 28] }, ...o });
  const b = randomTracks(key.fold(1), Math.floor(nTracks / 2), { box: { x: [-12, 12], y: [-30, -6], z: [-28, -2.5] }, ...o });
  return concatSegments([a, b]);
}

/** Drift distance at the cathode end and at the anode end of a crossing muon [cm]. */
const CROSSING_DRIFT_CM: [number, number] = [30.2, 0.2];
/** |cos| of the angle between a crossing muon and the drift axis: 0.5-0.95 (tracks 32-60 cm long). */
const CROSSING_COS: [number, number] = [0.5, 0.95];

/**
 * Anode-cathode crossing muons (1-4 GeV, minimum ionizing), alternating
 * between the two TPCs: each spans the full drift, from 0.2 cm to 30.2 cm
 * from the anode, at |cos| to the drift axis uniform in 0.5-0.95, placed
 * anywhere on the pixel plane. They are what lifetime calibrations use: the
 * charge attenuation is seen over the whole drift on every track.
 */
export function crossingMuons(key: PRNGKey, nTracks: number): Segments {
  const parts: Segments[] = [];
  const [xLo, xHi] = MODULE0.xRangeCm;
  const [yLo, yHi] = MODULE0.yRangeCm;
  for (let i = 0; i < nTracks; i++) {
    const r = key.fold(i).uniforms(5);
    const side = i % 2 === 0 ? 1 : -1;
    const anode = MODULE0.anodeZCm[side > 0 ? 1 : 0];
    const cos = CROSSING_COS[0] + r[0] * (CROSSING_COS[1] - CROSSING_COS[0]);
    const sin = Math.sqrt(1 - cos * cos);
    const phi = 2 * Math.PI * r[1];
    const dz = CROSSING_DRIFT_CM[0] - CROSSING_DRIFT_CM[1];
    const length = dz / cos;
    const dx = length * sin * Math.cos(phi);
    const dy = length * sin * Math.sin(phi);
    // start point such that the whole track stays 1 cm inside the pixel plane
    const x0 = xLo + 1 + Math.max(0, -dx) + r[2] * (xHi - xLo - 2 - Math.abs(dx));
    const y0 = yLo + 1 + Math.max(0, -dy) + r[3] * (yHi - yLo - 2 - Math.abs(dy));
    parts.push(
      trackSegments({
        particle: 'muon',
        start: [x0, y0, anode - side * CROSSING_DRIFT_CM[0]],
        direction: [dx / length, dy / length, side * cos],
        kineticMeV: 1000 + 3000 * r[4],
        maxLengthCm: length,
        stepCm: 0.4,
        eventId: i,
        trajId: i,
      }),
    );
  }
  return concatSegments(parts);
}

/** `n` tracks of a sample kind. */
export function sampleTracks(kind: SampleKind, key: PRNGKey, n: number): Segments {
  if (!(Number.isInteger(n) && n >= 1)) throw new DomainError('nTracks', n, 'must be a positive integer');
  if (kind === 'mixed') return mixedTracks(key, n);
  if (kind === 'crossing') return crossingMuons(key, n);
  throw new DomainError('sample', kind, `must be one of ${SAMPLE_KINDS.join(', ')}`);
}

/** Observables of the information study. */
export type Observable = 'tick' | 'hit';

/**
 * LArPix noise on one hit's charge [electrons]: the reset level and the
 * uncorrelated sample noise (physics sheet: 900 and 500 e-), and the ADC
 * quantization, one count (V_ref - V_cm)/256/gain ~ 988 e- over sqrt(12).
 * The discriminator noise moves the trigger, not the sampled charge.
 */
export function hitNoiseE(e: Pick<LArTPCValues['electronics'], 'resetNoise' | 'uncorrelatedNoise' | 'gain'> = { resetNoise: LARPIX.resetNoiseE, uncorrelatedNoise: LARPIX.uncorrelatedNoiseE, gain: LARPIX.gainMvPerE }): number {
  const lsb = (LARPIX.vRefMv - LARPIX.vCommonMv) / LARPIX.adcCounts / e.gain;
  return Math.sqrt(e.resetNoise ** 2 + e.uncorrelatedNoise ** 2 + (lsb * lsb) / 12);
}

/** The hits of the noise-free data on the loss context's layout: flat cell indices and hit numbers. */
interface HitCells {
  cell: Int32Array;
  hit: Int32Array;
  nHits: number;
  nPixels: number;
}

function hitCells(ctx: LossContext, v: LArTPCValues): HitCells {
  const s = triggerSchedule(ctx.data.dataSync() as Float32Array, ctx.plan.layout, v, {}, false);
  const cell: number[] = [];
  const hit: number[] = [];
  for (let k = 0; k < s.row.length; k++) {
    for (let i = s.first[k]; i <= s.last[k]; i++) {
      cell.push(i);
      hit.push(k);
    }
  }
  return { cell: Int32Array.from(cell), hit: Int32Array.from(hit), nHits: s.row.length, nPixels: new Set(s.row).size };
}

/** chi^2 of the hit charges with the schedule held (tensor level). */
function hitChi2(seg: Segments, ps: ParamSet, c: SimConfig, ctx: LossContext, hc: HitCells, sigmaHit: number, u: Tensor): Tensor {
  const sim = simulateReadout(seg, asLArTPCTensors(ps.physicalTree(u)), ctx.plan, c);
  const r = tf.sub(sim, ctx.data);
  const q = scatterAdd(gatherAt(r, hc.cell), hc.hit, Math.max(hc.nHits, 1));
  return tf.div(tf.sum(tf.square(q)), sigmaHit * sigmaHit);
}

/** The chi^2 Hessian at the truth of one readout (one batch of tracks). */
export interface BatchInformation {
  /** Hessian of chi^2 in the unconstrained fit coordinates (= 2 x Fisher information). */
  matrix: number[][];
  segments: number;
  cells: number;
  /** Hits of the noise-free data (LArPix trigger at 7 ke-) and the pixels that have one. */
  hits: number;
  pixels: number;
  wallSeconds: number;
  cpuSeconds: number;
}

/**
 * The chi^2 Hessian at the true parameters `truth` with noise-free data, for
 * per-tick noise `noiseE` ('tick') or the LArPix per-hit noise ('hit').
 * Timed: the work is that of one loss + gradient + Hessian evaluation of a fit.
 */
export function batchInformation(seg: Segments, truth: ParamSet, c: SimConfig, noiseE: number, observable: Observable = 'tick'): BatchInformation {
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const ps = truth.clone();
  const data: PseudoData = makePseudoData(seg, ps, c, noiseE);
  const ctx = lossContext(seg, ps, c, data);
  const v = valuesOf(ps);
  const hc = hitCells(ctx, v);
  const uT = tf.tensor1d(Array.from(ps.unconstrainedVector()));
  let matrix: number[][];
  try {
    const sigmaHit = hitNoiseE(v.electronics);
    const f = observable === 'tick' ? (u: Tensor) => chi2(seg, ps, c, data, ctx, u) : (u: Tensor) => hitChi2(seg, ps, c, ctx, hc, sigmaHit, u);
    matrix = hessian((p) => f((p as { u: Tensor }).u))({ u: uT }).matrix;
  } finally {
    uT.dispose();
    ctx.dispose();
  }
  const cpu = process.cpuUsage(cpu0);
  return { matrix, segments: segmentCount(seg), cells: ctx.plan.layout.size, hits: hc.nHits, pixels: hc.nPixels, wallSeconds: (Date.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** Standard deviations from a chi^2 Hessian in the fit coordinates: cov_u = 2 H^-1, sigma_x = sqrt(cov_u) dx/du. */
export function sigmaFromHessian(truth: ParamSet, matrix: number[][]): { sigma: number[]; sigmaPercent: number[]; correlation: number[][] } {
  const cov = linalg.inverse(matrix).map((r) => r.map((x) => 2 * x));
  const jd = truth.jacobianDiagonal();
  const x = truth.trainableVector();
  const su = cov.map((r, i) => Math.sqrt(Math.max(r[i], 0)));
  const sigma = su.map((s, i) => s * jd[i]);
  return { sigma, sigmaPercent: sigma.map((s, i) => (100 * s) / Math.abs(x[i])), correlation: cov.map((r, i) => r.map((c, j) => c / (su[i] * su[j]))) };
}

/** One point of a scan in the number of tracks. */
export interface FisherPoint {
  N: number;
  sample: SampleKind;
  observable: Observable;
  lifetime_us: number;
  sigma_percent: Record<string, number>;
  segments_per_track: number;
  seconds_per_track: number;
  cpu_seconds_per_track: number;
  /** chi^2 Hessian (2 x Fisher) in the fit coordinates. */
  hessian: number[][];
}

/** Options of `fisherScan`. */
export interface FisherScanOptions {
  sample: SampleKind;
  key: PRNGKey;
  /** Sample sizes, ascending; each is a multiple of `batch` or smaller than it. */
  ns: number[];
  /** Tracks per readout (one event); the information of the batches adds. */
  batch: number;
  noiseE: number;
  observable?: Observable;
  /** Short names of the trainable parameters, in ParamSet order. */
  names: string[];
  onBatch?: (done: number, total: number) => void;
}

const add = (a: number[][], b: number[][]) => a.map((r, i) => r.map((x, j) => x + b[i][j]));

/**
 * The Fisher information of nested samples of increasing size at `truth`:
 * sizes below `batch` are one readout of that many tracks; larger ones sum
 * the batches 0, 1, ... of `batch` tracks (independent events).
 */
export function fisherScan(truth: ParamSet, c: SimConfig, o: FisherScanOptions): FisherPoint[] {
  const obs = o.observable ?? 'tick';
  const out: FisherPoint[] = [];
  const point = (N: number, sum: BatchInformation): FisherPoint => {
    const { sigmaPercent } = sigmaFromHessian(truth, sum.matrix);
    return {
      N,
      sample: o.sample,
      observable: obs,
      lifetime_us: truth.get('drift.lifetime') as number,
      sigma_percent: Object.fromEntries(o.names.map((n, i) => [n, sigmaPercent[i]])),
      segments_per_track: sum.segments / N,
      seconds_per_track: sum.wallSeconds / N,
      cpu_seconds_per_track: sum.cpuSeconds / N,
      hessian: sum.matrix,
    };
  };
  const small = o.ns.filter((n) => n < o.batch);
  const large = o.ns.filter((n) => n >= o.batch);
  for (const n of large) if (n % o.batch !== 0) throw new DomainError('ns', n, `must be a multiple of the batch size ${o.batch} or smaller than it`);
  const nb = large.length ? Math.max(...large) / o.batch : 0;
  let done = 0;
  const total = small.length + nb;
  for (const n of small) {
    out.push(point(n, batchInformation(sampleTracks(o.sample, o.key.fold(0), n), truth, c, o.noiseE, obs)));
    o.onBatch?.(++done, total);
  }
  let sum: BatchInformation | undefined;
  for (let b = 0; b < nb; b++) {
    const bi = batchInformation(sampleTracks(o.sample, o.key.fold(b), o.batch), truth, c, o.noiseE, obs);
    sum = sum
      ? { matrix: add(sum.matrix, bi.matrix), segments: sum.segments + bi.segments, cells: sum.cells + bi.cells, hits: sum.hits + bi.hits, pixels: sum.pixels + bi.pixels, wallSeconds: sum.wallSeconds + bi.wallSeconds, cpuSeconds: sum.cpuSeconds + bi.cpuSeconds }
      : bi;
    o.onBatch?.(++done, total);
    const N = (b + 1) * o.batch;
    if (large.includes(N)) out.push(point(N, sum));
  }
  return out.sort((a, b) => a.N - b.N);
}

/** Least-squares slope of ln sigma against ln N (-0.5 for sigma ∝ 1/sqrt(N)). */
export function logSlope(ns: number[], sigmas: number[]): number {
  const x = ns.map(Math.log);
  const y = sigmas.map(Math.log);
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  x.forEach((xi, i) => {
    sxy += (xi - mx) * (y[i] - my);
    sxx += (xi - mx) ** 2;
  });
  return sxy / sxx;
}

/** erf by Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7), enough for probabilities. */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/**
 * Probability that every error is within ±tol when the errors are centred
 * Gaussians with these standard deviations (same unit as tol): the product
 * of P(|x| < tol). For correlated Gaussians (parameters of one target) the
 * product is a lower bound (Šidák's inequality), so a sample size that meets
 * a probability by this criterion meets it in truth.
 */
export function probabilityAllWithin(sigmas: number[], tol: number): number {
  return sigmas.reduce((p, s) => p * (s > 0 ? erf(tol / (s * Math.SQRT2)) : 1), 1);
}

/**
 * Number of tracks for which every error of the targets is within tol with
 * probability `prob`, given the standard deviations `sigmasAtN0` measured
 * with N0 tracks (sigma ∝ 1/sqrt(N)).
 */
export function tracksForTolerance(sigmasAtN0: number[], N0: number, tol: number, prob: number): number {
  const p = (N: number) => probabilityAllWithin(sigmasAtN0.map((s) => s * Math.sqrt(N0 / N)), tol);
  let lo = 1;
  let hi = N0;
  while (p(hi) < prob) hi *= 2;
  if (p(lo) >= prob) return lo;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (p(mid) >= prob) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Lifetime information per pixel of one minimum-ionizing track, for the two observables. */
export interface PixelInformation {
  /** Angle between the track and the anode plane [degrees] (0: constant drift distance). */
  angle_deg: number;
  drift_cm: number;
  /** Pixels with at least one hit (noise-free, 7 ke- threshold) and their hits. */
  pixels: number;
  hits: number;
  /** Mean collected charge per pixel [electrons]. */
  charge_per_pixel_e: number;
  /** Mean number of ticks per pixel that carry 99 % of its charge. */
  ticks_per_pixel: number;
  /** Fisher information on ln(lifetime) per pixel, other parameters fixed: per-tick chi^2 and hit chi^2. */
  tick: number;
  hit: number;
  /** Per-tick noise [electrons] at which the tick chi^2 would carry the hit chi^2's lifetime information. */
  equivalent_tick_noise_e: number;
}

/**
 * Lifetime Fisher information per pixel of a 1 GeV muon crossing `lengthCm`
 * of pixel plane along x at `angleDeg` to the anode plane, centred at drift
 * distance `driftCm`, at the values of `truth`: the per-tick chi^2 with noise
 * `noiseE` against the hit chi^2 with the LArPix per-hit noise.
 */
export function mipPixelInformation(truth: ParamSet, c: SimConfig, angleDeg: number, driftCm: number, noiseE: number, lengthCm = 4): PixelInformation {
  const v = valuesOf(truth);
  const a = (angleDeg * Math.PI) / 180;
  const L = lengthCm / Math.cos(a);
  const anode = v.geometry.anodeZ[1];
  const p = v.geometry.pitch;
  // along a row of pixel centres, starting on a pixel edge
  const y = v.geometry.yMin + (Math.floor((-20 - v.geometry.yMin) / p) + 0.5) * p;
  const x = v.geometry.xMin + Math.floor((-lengthCm / 2 - v.geometry.xMin) / p) * p;
  const seg = trackSegments({ particle: 'muon', start: [x, y, anode - driftCm - 0.5 * L * Math.sin(a)], direction: [Math.cos(a), 0, Math.sin(a)], kineticMeV: 1000, maxLengthCm: L, stepCm: 0.4 });
  const ti = batchInformation(seg, truth, c, noiseE, 'tick');
  const hi = batchInformation(seg, truth, c, noiseE, 'hit');
  const k = truth.trainableNames().indexOf('drift.lifetime');
  // charge and extent per pixel from the noise-free readout
  const ps = truth.clone();
  const data = makePseudoData(seg, ps, c, noiseE);
  let q = 0;
  let ticks = 0;
  let n = 0;
  for (const arr of data.charge.values()) {
    const tot = arr.reduce((s, x) => s + x, 0);
    if (tot < LARPIX.thresholdE) continue;
    const sorted = Array.from(arr).sort((x, y2) => y2 - x);
    let acc = 0;
    let m = 0;
    while (acc < 0.99 * tot) acc += sorted[m++];
    q += tot;
    ticks += m;
    n++;
  }
  const tick = ti.matrix[k][k] / 2 / ti.pixels;
  const hit = hi.matrix[k][k] / 2 / hi.pixels;
  return { angle_deg: angleDeg, drift_cm: driftCm, pixels: hi.pixels, hits: hi.hits, charge_per_pixel_e: q / n, ticks_per_pixel: ticks / n, tick, hit, equivalent_tick_noise_e: noiseE * Math.sqrt(tick / hit) };
}
