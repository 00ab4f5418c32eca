/**
 * The statistical-reach study of the calibration: the Fisher (Cramér-Rao)
 * scan in the number of tracks (fisher.json) and real fits of large samples
 * to check it (scaling.json). Run from the command line with
 * `npx tsx experiments/lartpc-calibration/cli.ts fisher|fits`.
 */
import { mkdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prngKey, writeJsonAtomic, type ParamSet } from '../../src/autodiff/index.js';
import { lartpcParams, module0Config, LARPIX, segmentCount } from '../../src/sim/lartpc/index.js';
import { startProgress } from '../../src/cli/progress.js';
import { batchInformation, fisherScan, sampleTracks, sigmaFromHessian, tracksForTolerance, probabilityAllWithin, logSlope, hitNoiseE, mipPixelInformation, SAMPLE_KINDS, type FisherPoint, type SampleKind, type Observable } from './fisher.js';
import { makePseudoData, calibrateEvents, drawTarget, type FitEvent } from './fit.js';

/** Short names of the six fitted parameters, by parameter path. */
export const SHORT: Record<string, string> = { 'recombination.Ab': 'A_b', 'recombination.kb': 'k_b', 'drift.DT': 'D_T', 'drift.DL': 'D_L', 'drift.lifetime': 'lifetime', 'drift.efield': 'E' };

/** The tolerance and the probability of the closure criterion. */
export const CLOSURE = { tolPercent: 1, probability: 0.9, targets: 10 };

/**
 * Parameters the closure criterion covers for each sample/observable: all six
 * for the fit's observable on the experiment's sample; without E and D_L for
 * the hit charges (the trigger times that measure them are not in that chi^2);
 * without A_b and k_b for crossing muons (all minimum ionizing: one dE/dx
 * cannot separate the two Birks constants, so they are degenerate).
 */
const CLOSURE_PARAMETERS: Record<string, string[]> = {
  'mixed/tick': ['A_b', 'k_b', 'E', 'lifetime', 'D_L', 'D_T'],
  'mixed/hit': ['A_b', 'k_b', 'lifetime', 'D_T'],
  'crossing/tick': ['E', 'lifetime', 'D_L', 'D_T'],
};

/** Levenberg-Marquardt iterations of the fit (stage 1 + stage 2) with their trial losses, in Hessian evaluations. */
const HESSIAN_EVALS_PER_TARGET_DEFAULT = 25;

/** Options of the Fisher study. */
export interface FisherStudyOptions {
  seed: number;
  out: string;
  quick: boolean;
  progress: boolean;
  /** Sample sizes of the scans (default 16, 64, 256, 1024; quick 4, 8, 16). */
  ns?: number[];
  /** Tracks per readout in the scans (default 16; quick 4). */
  batch?: number;
  /** Hessian evaluations a fit of one target costs (for the CPU estimate); measured by `runScalingFits`. */
  hessianEvalsPerTarget?: number;
}

interface TargetSigma {
  sample: SampleKind;
  observable: Observable;
  N0: number;
  lifetime_us: number[];
  sigma_percent: Record<string, number>[];
  mean_sigma_percent: Record<string, number>;
  /** Parameters the closure criterion covers (see CLOSURE_PARAMETERS). */
  closure_parameters: string[];
  tracks_for_closure: number;
  /** Tracks for the lifetime alone of the ten targets within 1 % with 90 %. */
  tracks_for_lifetime: number;
  cpu_seconds_per_track: number;
  cpu_hours_for_closure: number;
}

/**
 * Runs the Fisher study and writes fisher.json: sigma per parameter vs N for
 * the mixed and crossing samples at lifetimes 2.2 and 5 ms (per-tick noise)
 * and at 2.2 ms with the LArPix per-hit noise; the sigma at the experiment's
 * ten targets; the N for which all 10 x 6 errors are within 1 % with 90 %
 * probability, and the CPU time of such a calibration on this machine.
 */
export async function runFisher(o: FisherStudyOptions): Promise<{ summary: string }> {
  mkdirSync(o.out, { recursive: true });
  const t0 = Date.now();
  const c = module0Config();
  const nominal = lartpcParams();
  const names = nominal.trainableNames().map((n) => SHORT[n]);
  const ns = o.ns ?? (o.quick ? [4, 8, 16] : [16, 64, 256, 1024]);
  const batch = o.batch ?? (o.quick ? 4 : 16);
  const noiseE = LARPIX.uncorrelatedNoiseE;
  const lifetimes = o.quick ? [2200] : [2200, 5000];
  const jobs: { sample: SampleKind; lifetime: number; observable: Observable }[] = [];
  for (const sample of SAMPLE_KINDS) {
    for (const lifetime of lifetimes) jobs.push({ sample, lifetime, observable: 'tick' });
    jobs.push({ sample, lifetime: 2200, observable: 'hit' });
  }
  const nTargets = o.quick ? 2 : CLOSURE.targets;
  const perScan = Math.max(...ns) >= batch ? Math.max(...ns) / batch + ns.filter((n) => n < batch).length : ns.length;
  const bar = startProgress('lartpc fisher', jobs.length * perScan + 3 * nTargets, o.progress);
  let done = 0;
  const scans: FisherPoint[] = [];
  for (const j of jobs) {
    const truth = nominal.clone().set('drift.lifetime', j.lifetime);
    const base = done;
    scans.push(...fisherScan(truth, c, { sample: j.sample, key: prngKey(o.seed).fold('fisher').fold(j.sample), ns, batch, noiseE, observable: j.observable, names, onBatch: (k) => bar.update(base + k) }));
    done += perScan;
  }
  // sigma at the experiment's targets: the mixed sample is the experiment's own (64 tracks, one readout)
  const N0: Record<SampleKind, number> = { mixed: o.quick ? 8 : 64, crossing: o.quick ? 2 : 16 };
  const targets: TargetSigma[] = [];
  const cpuPerTrack = (sample: SampleKind, obs: Observable) => {
    const pts = scans.filter((p) => p.sample === sample && p.observable === obs && p.lifetime_us === 2200);
    return pts[pts.length - 1].cpu_seconds_per_track;
  };
  const evals = o.hessianEvalsPerTarget ?? HESSIAN_EVALS_PER_TARGET_DEFAULT;
  for (const [sample, obs] of [['mixed', 'tick'], ['mixed', 'hit'], ['crossing', 'tick']] as [SampleKind, Observable][]) {
    const covered = CLOSURE_PARAMETERS[`${sample}/${obs}`];
    const sig: Record<string, number>[] = [];
    const taus: number[] = [];
    for (let k = 0; k < nTargets; k++) {
      const seed = o.seed * 1000 + k;
      const target = drawTarget(nominal, prngKey(seed).fold('target'));
      const key = sample === 'mixed' ? prngKey(seed).fold('tracks') : prngKey(seed).fold('crossing');
      const bi = batchInformation(sampleTracks(sample, key, N0[sample]), target, c, noiseE, obs);
      const s = sigmaFromHessian(target, bi.matrix).sigmaPercent;
      sig.push(Object.fromEntries(names.map((n, i) => [n, s[i]])));
      taus.push(target.get('drift.lifetime') as number);
      bar.update(++done);
    }
    const all = sig.flatMap((r) => covered.map((n) => r[n]));
    const N = tracksForTolerance(all, N0[sample], CLOSURE.tolPercent, CLOSURE.probability);
    const Ntau = tracksForTolerance(sig.map((r) => r.lifetime), N0[sample], CLOSURE.tolPercent, CLOSURE.probability);
    const cpt = cpuPerTrack(sample, obs);
    targets.push({
      sample,
      observable: obs,
      N0: N0[sample],
      lifetime_us: taus,
      sigma_percent: sig,
      mean_sigma_percent: Object.fromEntries(names.map((n) => [n, sig.reduce((a, r) => a + r[n], 0) / sig.length])),
      closure_parameters: covered,
      tracks_for_closure: N,
      tracks_for_lifetime: Ntau,
      cpu_seconds_per_track: cpt,
      cpu_hours_for_closure: (N * cpt * evals * CLOSURE.targets) / 3600,
    });
  }
  // lifetime information per pixel of a MIP: per-tick chi^2 against the LArPix hit charges
  const mip = [0, 30, 60, 80].map((a) => mipPixelInformation(nominal, c, a, 15, noiseE));
  bar.stop();
  const slopes: Record<string, Record<string, number>> = {};
  for (const j of jobs) {
    const pts = scans.filter((p) => p.sample === j.sample && p.lifetime_us === j.lifetime && p.observable === j.observable);
    slopes[`${j.sample}/${j.observable}/${j.lifetime}us`] = Object.fromEntries(names.map((n) => [n, logSlope(pts.map((p) => p.N), pts.map((p) => p.sigma_percent[n]))]));
  }
  const result = {
    criterion: `all ${CLOSURE.targets} targets x 6 parameters within ${CLOSURE.tolPercent} % with probability ${CLOSURE.probability}: product over the 60 of P(|error| < tol) for centred Gaussians of the Fisher sigma (a lower bound, Sidak)`,
    noise_e_per_tick: noiseE,
    hit_noise_e: hitNoiseE(),
    batch_tracks: batch,
    hessian_evaluations_per_target: evals,
    parameters: names,
    scans: scans.map(({ hessian: _h, ...p }) => p),
    log_slopes: slopes,
    targets,
    mip_pixel_information: mip,
    wall_s: (Date.now() - t0) / 1000,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
  writeJsonAtomic(join(o.out, 'fisher.json'), result);
  const m = targets.map((t) => `${t.sample}/${t.observable}: N = ${t.tracks_for_closure} (${t.cpu_hours_for_closure.toFixed(1)} CPU h; ${t.closure_parameters.join(', ')}), lifetime alone N = ${t.tracks_for_lifetime}`).join('; ');
  return { summary: `tracks per target for all 10 targets within 1 % with 90 %: ${m}` };
}

/** Options of the scaling fits. */
export interface ScalingFitOptions {
  seed: number;
  out: string;
  progress: boolean;
  sample: SampleKind;
  /** Tracks per target. */
  tracks: number;
  /** Tracks per readout (event). */
  batch: number;
  targets: number;
  /** Per-tick noise [electrons]. */
  noiseE?: number;
  maxIter2?: number;
}

interface ScalingRecord {
  k: number;
  target: Record<string, number>;
  fitted: Record<string, number>;
  uncertainties: Record<string, number>;
  fisher_sigma: Record<string, number>;
  errors_percent: Record<string, number>;
  pulls: Record<string, number>;
  iterations: number;
  hessian_evaluations: number;
  /** Whole target (pseudo-data, Fisher matrix, fit) and the fit alone. */
  wall_s: number;
  cpu_s: number;
  fit_wall_s: number;
  fit_cpu_s: number;
}

/**
 * Fits `targets` noisy targets with `tracks` tracks each (in readouts of
 * `batch` tracks) and writes scaling-<sample>-<tracks>.json with errors,
 * Hessian sigmas, the Fisher sigmas at the truth and pulls; checkpoints after
 * each target and resumes.
 */
export async function runScalingFits(o: ScalingFitOptions): Promise<{ summary: string }> {
  mkdirSync(o.out, { recursive: true });
  const c = module0Config();
  const nominal = lartpcParams();
  const paths = nominal.trainableNames();
  const noiseE = o.noiseE ?? LARPIX.uncorrelatedNoiseE;
  const file = join(o.out, `scaling-${o.sample}-${o.tracks}.json`);
  const ckpt = `${file}.checkpoint`;
  let runs: ScalingRecord[] = existsSync(ckpt) ? (JSON.parse(readFileSync(ckpt, 'utf8')) as { runs: ScalingRecord[] }).runs : [];
  const nb = Math.ceil(o.tracks / o.batch);
  const maxIter1 = 8;
  const maxIter2 = o.maxIter2 ?? 100;
  const bar = startProgress(`fits ${o.sample} ${o.tracks}`, o.targets * (maxIter1 + maxIter2), o.progress);
  for (let k = runs.length; k < o.targets; k++) {
    const seed = o.seed * 1000 + k;
    const tStart = Date.now();
    const cpu0 = process.cpuUsage();
    const target = drawTarget(nominal, prngKey(seed).fold('target'));
    const events: FitEvent[] = [];
    let fisher: number[][] | undefined;
    for (let b = 0; b < nb; b++) {
      const n = Math.min(o.batch, o.tracks - b * o.batch);
      const seg = sampleTracks(o.sample, prngKey(seed).fold('scaling').fold(b), n);
      events.push({ seg, data: makePseudoData(seg, target, c, noiseE, prngKey(seed).fold('noise').fold(b)) });
      const bi = batchInformation(seg, target, c, noiseE, 'tick');
      fisher = fisher ? fisher.map((r, i) => r.map((x, j) => x + bi.matrix[i][j])) : bi.matrix;
    }
    const fs = sigmaFromHessian(target, fisher as number[][]).sigma;
    // the fit's own cost, without the pseudo-data and the Fisher matrix above
    const cpuFit = process.cpuUsage();
    const tFit = Date.now();
    const ps: ParamSet = nominal.clone();
    let evalsCount = 0;
    const res = calibrateEvents(events, ps, c, {
      maxIter1,
      maxIter2,
      onStep: (s) => {
        evalsCount++;
        bar.update(k * (maxIter1 + maxIter2) + (s.stage === 1 ? s.iteration : maxIter1 + s.iteration));
      },
    });
    const cpu = process.cpuUsage(cpu0);
    const fitCpu = process.cpuUsage(cpuFit);
    const tv = target.trainableVector();
    const rec: ScalingRecord = { k, target: {}, fitted: {}, uncertainties: {}, fisher_sigma: {}, errors_percent: {}, pulls: {}, iterations: res.iterations, hessian_evaluations: evalsCount + 1, wall_s: (Date.now() - tStart) / 1000, cpu_s: (cpu.user + cpu.system) / 1e6, fit_wall_s: (Date.now() - tFit) / 1000, fit_cpu_s: (fitCpu.user + fitCpu.system) / 1e6 };
    paths.forEach((p, j) => {
      const s = SHORT[p];
      rec.target[s] = tv[j];
      rec.fitted[s] = res.fitted[j];
      rec.uncertainties[s] = res.uncertainties[j];
      rec.fisher_sigma[s] = fs[j];
      rec.errors_percent[s] = (100 * (res.fitted[j] - tv[j])) / tv[j];
      rec.pulls[s] = (res.fitted[j] - tv[j]) / res.uncertainties[j];
    });
    runs.push(rec);
    writeJsonAtomic(ckpt, { runs });
  }
  bar.stop();
  // a parameter pinned at a bound has no Hessian uncertainty and no pull
  const pulls = runs.flatMap((r) => Object.values(r.pulls)).filter(Number.isFinite);
  const worst = Math.max(...runs.flatMap((r) => Object.values(r.errors_percent).map(Math.abs)));
  const segs = segmentCount(sampleTracks(o.sample, prngKey(o.seed * 1000).fold('scaling').fold(0), Math.min(o.batch, o.tracks)));
  const result = {
    sample: o.sample,
    tracks_per_target: o.tracks,
    batch_tracks: o.batch,
    segments_per_batch: segs,
    noise_e_per_tick: noiseE,
    runs,
    worst_error_percent: worst,
    pull_rms: Math.sqrt(pulls.reduce((a, b) => a + b * b, 0) / pulls.length),
    probability_all_within_1_percent_fisher: probabilityAllWithin(runs.flatMap((r) => Object.keys(r.fisher_sigma).map((n) => (100 * r.fisher_sigma[n]) / Math.abs(r.target[n]))), 1),
    // iterations (one Hessian each, with their trial losses) and the final Hessian
    cpu_s_per_track_per_hessian_evaluation: runs.reduce((a, r) => a + (r.fit_cpu_s ?? r.cpu_s) / (o.tracks * r.hessian_evaluations), 0) / runs.length,
  };
  writeJsonAtomic(file, result);
  return { summary: `${o.sample}, ${o.tracks} tracks x ${runs.length} targets: worst error ${worst.toFixed(2)} %, pull rms ${result.pull_rms.toFixed(2)}` };
}
