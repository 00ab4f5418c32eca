/**
 * lartpc-calibration: gradient-based calibration of the pixel LArTPC
 * simulation. For each random target (drawn in the fit ranges) the
 * simulation makes pseudo-data from muon and proton tracks, and the six
 * anchor parameters (A_b, k_b, D_T, D_L, lifetime, E with v_d tied to E) are
 * fitted jointly from nominal (fit.ts), without and with noise. Writes
 * results.json, the loss landscape in the (v_d, lifetime) plane with the
 * descent path, loss vs iteration and the pulls; checkpoints after each
 * target and resumes with --resume.
 */
import { existsSync, readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tf, prngKey, writeJsonAtomic, type Tensor } from '../../src/autodiff/index.js';
import { lartpcParams, module0Config, driftVelocityHost, LARPIX, simulate, saveEventDisplay, type Segments } from '../../src/sim/lartpc/index.js';
import { savePlot, linePlot, heatmapWithPath, scatterPlot } from '../../src/plot/index.js';
import { startProgress } from '../../src/cli/progress.js';
import type { ExperimentOptions } from '../types.js';
import { mixedTracks } from './fisher.js';
import { makePseudoData, calibrate, drawTarget, fitParamNames, lossContext, chi2, type FitResult } from './fit.js';
import { fitTargetLarge, type TargetState } from './closure.js';
import { SHORT } from './study.js';

interface RunRecord {
  noise: boolean;
  seed: number;
  target: Record<string, number>;
  fitted: Record<string, number>;
  uncertainties: Record<string, number>;
  errors_percent: Record<string, number>;
  pulls: Record<string, number>;
  iterations: number;
  /** Wall and CPU seconds of this fit (null where an earlier version of the checkpoint did not keep them). */
  wall_s: number | null;
  cpu_s?: number | null;
  history: { iteration: number; stage: number; loss: number; vdrift: number; lifetime: number }[];
}

/** Tracks per noisy target of the full run: the Fisher study's N for all 10 x 6 within 1 % with 90 % (docs/lartpc.md). */
export const NOISY_TRACKS_FULL = 32768;

/** The large-sample fit of the full run's noisy targets: 256-track warm start, 1024-track Newton matrix, readouts of 64. */
const LARGE_FIT = { tracks: NOISY_TRACKS_FULL, batch: 64, warmTracks: 256, hessianTracks: 1024 };

/** A run record from a large-sample fit's final state. */
function recordOfLarge(st: TargetState, names: string[]): RunRecord {
  const r = st.result!;
  const rec: RunRecord = { noise: true, seed: st.seed, target: {}, fitted: {}, uncertainties: {}, errors_percent: {}, pulls: {}, iterations: (st.warm?.iterations ?? 0) + st.newton.length, wall_s: st.wall_s ?? null, cpu_s: st.cpu_s, history: [] };
  const point = (values: number[]) => ({ vdrift: driftVelocityHost(values[names.indexOf('drift.efield')], 87.17), lifetime: values[names.indexOf('drift.lifetime')] });
  for (const h of st.warm?.history ?? []) rec.history.push({ iteration: h.iteration, stage: h.stage, loss: h.loss, ...point(h.values) });
  const ps = lartpcParams();
  let it = rec.history.length;
  // stage 3: the Newton passes over the whole sample (its chi^2, not comparable with the warm start's)
  for (const n of st.newton) rec.history.push({ iteration: ++it, stage: 3, loss: n.value, ...point(Array.from(ps.setUnconstrained(n.u).trainableVector())) });
  names.forEach((n, j) => {
    const s = SHORT[n];
    rec.target[s] = st.target[j];
    rec.fitted[s] = r.fitted[j];
    rec.uncertainties[s] = r.uncertainties[j];
    rec.errors_percent[s] = r.errors_percent[j];
    rec.pulls[s] = r.pulls[j];
  });
  return rec;
}

/** Sum of the values that are known. */
function sumKnown(xs: (number | null | undefined)[]): number {
  return xs.reduce<number>((a, x) => a + (x ?? 0), 0);
}

/** The track sample: muons and protons in both TPCs, drift distances 3-28 cm. */
export function trackSample(seed: number, nTracks: number): Segments {
  return mixedTracks(prngKey(seed).fold('tracks'), nTracks);
}


export async function run(opts: ExperimentOptions): Promise<{ summary: string }> {
  const t0 = Date.now();
  mkdirSync(opts.out, { recursive: true });
  const c = module0Config();
  // more tracks for the noisy fits: their precision is statistical; the full
  // run fits the sample size the Fisher study gives for 1 % (closure.ts)
  const tracksFor = (noise: boolean) => (opts.quick ? 8 : noise ? NOISY_TRACKS_FULL : 24);
  const nTargets = opts.quick ? 1 : 10;
  const noiseE = LARPIX.uncorrelatedNoiseE;
  const plan: { noise: boolean; k: number }[] = [];
  for (let k = 0; k < nTargets; k++) plan.push({ noise: false, k });
  for (let k = 0; k < nTargets; k++) plan.push({ noise: true, k });
  const ckpt = join(opts.out, 'checkpoint.json');
  let runs: RunRecord[] = [];
  if (opts.resume && existsSync(ckpt)) runs = (JSON.parse(readFileSync(ckpt, 'utf8')) as { runs: RunRecord[] }).runs;
  const maxIter1 = 8;
  const maxIter2 = opts.quick ? 80 : 100;
  const bar = startProgress('lartpc-calibration', plan.length * (maxIter1 + maxIter2), opts.progress);
  let done = runs.length * (maxIter1 + maxIter2);
  const nominal = lartpcParams();
  const names = fitParamNames(nominal);
  // wall seconds of the fits run in this call (they are in their records already)
  let wallThisCall = 0;
  for (let i = runs.length; i < plan.length; i++) {
    const { noise, k } = plan[i];
    const seed = opts.seed * 1000 + k;
    const tStart = Date.now();
    const cpuStart = process.cpuUsage();
    if (noise && !opts.quick) {
      const base = done;
      const st = fitTargetLarge({ ...LARGE_FIT, seed: opts.seed, out: opts.out }, k, (d, n) => bar.update(base + ((maxIter1 + maxIter2) * d) / n, { run: i + 1 }));
      done += maxIter1 + maxIter2;
      runs.push(recordOfLarge(st, names));
      wallThisCall += (Date.now() - tStart) / 1000;
      writeJsonAtomic(ckpt, { runs });
      continue;
    }
    const seg = trackSample(seed, tracksFor(noise));
    const target = drawTarget(nominal, prngKey(seed).fold('target'));
    const data = makePseudoData(seg, target, c, noiseE, noise ? prngKey(seed).fold('noise') : undefined);
    const ps = nominal.clone();
    const base = done;
    const res: FitResult = calibrate(seg, ps, c, data, {
      maxIter1,
      maxIter2,
      onStep: (s) => bar.update(base + (s.stage === 1 ? s.iteration : maxIter1 + s.iteration), { run: i + 1, loss: s.loss }),
    });
    done += maxIter1 + maxIter2;
    bar.update(done);
    const tv = target.trainableVector();
    const rec: RunRecord = {
      noise,
      seed,
      target: {},
      fitted: {},
      uncertainties: {},
      errors_percent: {},
      pulls: {},
      iterations: res.iterations,
      wall_s: (Date.now() - tStart) / 1000,
      cpu_s: (() => {
        const u = process.cpuUsage(cpuStart);
        return (u.user + u.system) / 1e6;
      })(),
      history: res.history.map((h) => {
        const e = h.values[names.indexOf('drift.efield')];
        return { iteration: h.iteration, stage: h.stage, loss: h.loss, vdrift: driftVelocityHost(e, 87.17), lifetime: h.values[names.indexOf('drift.lifetime')] };
      }),
    };
    names.forEach((n, j) => {
      const s = SHORT[n];
      rec.target[s] = tv[j];
      rec.fitted[s] = res.fitted[j];
      rec.uncertainties[s] = res.uncertainties[j];
      rec.errors_percent[s] = (100 * (res.fitted[j] - tv[j])) / tv[j];
      rec.pulls[s] = (res.fitted[j] - tv[j]) / res.uncertainties[j];
    });
    runs.push(rec);
    wallThisCall += (Date.now() - tStart) / 1000;
    writeJsonAtomic(ckpt, { runs });
    if (i === 0) {
      await landscape(seg, target, c, data, rec, opts.out, opts.quick ? 7 : 11);
      const shown = simulate(seg, target, c, { key: prngKey(seed).fold('display') });
      await saveEventDisplay(shown.readout, shown.layout, c, 1, target.get('geometry.pitch') as number, join(opts.out, 'event'));
    }
  }
  bar.stop();
  const worst = (noise: boolean) => Math.max(0, ...runs.filter((r) => r.noise === noise).flatMap((r) => Object.values(r.errors_percent).map(Math.abs)));
  const pulls = runs.filter((r) => r.noise).flatMap((r) => Object.values(r.pulls));
  const pullMean = pulls.reduce((a, b) => a + b, 0) / Math.max(pulls.length, 1);
  const pullRms = Math.sqrt(pulls.reduce((a, b) => a + b * b, 0) / Math.max(pulls.length, 1));
  const results = {
    parameters: names.map((n) => SHORT[n]),
    noise: runs.map((r) => r.noise),
    targets: runs.map((r) => r.target),
    fitted: runs.map((r) => r.fitted),
    uncertainties: runs.map((r) => r.uncertainties),
    errors_percent: runs.map((r) => r.errors_percent),
    pulls: runs.map((r) => r.pulls),
    iterations: runs.map((r) => r.iterations),
    seeds: runs.map((r) => r.seed),
    worst_error_percent: { noise_free: worst(false), noise: worst(true) },
    pull_mean: pullMean,
    pull_rms: pullRms,
    tracks_per_target: { noise_free: tracksFor(false), noise: tracksFor(true) },
    noisy_fit: opts.quick
      ? 'Levenberg-Marquardt with the exact Hessian every iteration'
      : `Levenberg-Marquardt on the first ${LARGE_FIT.warmTracks} tracks, then Newton passes over all ${LARGE_FIT.tracks} with the Hessian of ${LARGE_FIT.hessianTracks} tracks, covariance from the Hessian of all tracks at the optimum`,
    noise_e_per_tick: noiseE,
    // the fits' own times, kept in their checkpoints (a resumed run does not restart the clock), plus this invocation's time outside them
    wall_s: sumKnown(runs.map((r) => r.wall_s)) + Math.max(0, (Date.now() - t0) / 1000 - wallThisCall),
    cpu_s: sumKnown(runs.map((r) => r.cpu_s)),
    fits_without_recorded_time: { wall: runs.filter((r) => r.wall_s == null).length, cpu: runs.filter((r) => r.cpu_s == null).length },
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
  writeJsonAtomic(join(opts.out, 'results.json'), results);
  await savePlot(
    linePlot(
      runs.flatMap((r, i) => r.history.map((h) => ({ x: h.iteration, y: Math.max(Math.abs(h.loss), 1e-12), series: `${r.noise ? 'noise' : 'no noise'} #${i}` }))),
      { title: 'loss vs iteration (stage 1: pixel moments, stage 2: chi^2)', x: { title: 'iteration' }, y: { title: '|loss|', log: true } },
    ),
    join(opts.out, 'loss.png'),
  );
  await savePlot(
    scatterPlot(
      runs.filter((r) => r.noise).flatMap((r) => Object.entries(r.pulls).map(([k, v]) => ({ x: results.parameters.indexOf(k), y: v, series: k }))),
      { title: `pulls (fit - target) / sigma_Hessian: mean ${pullMean.toFixed(2)}, rms ${pullRms.toFixed(2)}`, x: { title: 'parameter index' }, y: { title: 'pull' } },
    ),
    join(opts.out, 'pulls.png'),
  );
  const summary = `worst error: ${results.worst_error_percent.noise_free.toExponential(2)} % without noise, ${results.worst_error_percent.noise.toFixed(3)} % with noise; pull rms ${pullRms.toFixed(2)}`;
  return { summary };
}

/** Loss landscape in (v_d, lifetime) with the other parameters at the target, and the descent path. */
async function landscape(seg: Segments, target: ReturnType<typeof lartpcParams>, c: ReturnType<typeof module0Config>, data: ReturnType<typeof makePseudoData>, rec: RunRecord, out: string, n: number): Promise<void> {
  const cells: { x: number; y: number; value: number }[] = [];
  const es = Array.from({ length: n }, (_, i) => 0.455 + (0.09 * i) / (n - 1));
  const taus = Array.from({ length: n }, (_, i) => 600 + (4200 * i) / (n - 1));
  for (const e of es) {
    for (const tau of taus) {
      const ps = target.clone();
      ps.set('drift.efield', e).set('drift.lifetime', tau);
      const ctx = lossContext(seg, ps, c, data);
      const u = tf.tensor1d(Array.from(ps.unconstrainedVector()));
      const value = tf.tidy(() => (chi2(seg, ps, c, data, ctx, u as Tensor).dataSync()[0]));
      u.dispose();
      ctx.dispose();
      cells.push({ x: driftVelocityHost(e, 87.17), y: tau, value: Math.log10(Math.max(value, 0) + 1) });
    }
  }
  const path = [{ x: driftVelocityHost(0.5, 87.17), y: 2200, step: 0 }, ...rec.history.map((h) => ({ x: h.vdrift, y: h.lifetime, step: h.iteration }))];
  await savePlot(
    heatmapWithPath(cells, path, { title: 'log10(1 + chi^2) in (v_d, lifetime); descent path in red', x: { title: 'v_d [cm/us]' }, y: { title: 'lifetime [us]' }, value: 'log10(1+chi2)' }),
    join(out, 'landscape.png'),
  );
}
