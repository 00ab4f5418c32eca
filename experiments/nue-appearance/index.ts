/**
 * nue-appearance: the end-to-end chain neutrino generator (oscillation
 * parameters) → LArTPC simulation (relaxed) → reconstruction (electron-like
 * score, calorimetric energy) → electron-like reconstructed-energy spectrum
 * → sensitivity to sin²2θ, differentiated end to end; closure of the
 * oscillation fit over pseudo-experiments; the bias of a 10 % lifetime
 * miscalibration and its removal by a joint fit of calibration and physics.
 *
 * Writes DIR/results.json, spectrum.png, features.png, pulls.png,
 * miscalibration.png; DIR/checkpoint.json after every stage (and every
 * pseudo-experiment), resumed with --resume.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tf, prngKey, writeJsonAtomic, type PRNGKey } from '../../src/autodiff/index.js';
import { poisson } from '../../src/autodiff/index.js';
import { asLArTPCTensors, type SimConfig } from '../../src/sim/lartpc/index.js';
import { recoParams, type RecoTensors, type RecoConfig } from '../../src/reco/lartpc/index.js';
import { startProgress, type Progress } from '../../src/cli/progress.js';
import type { ExperimentOptions } from '../types.js';
import { detectorConfig, detectorParams, recoConfig, generateSample, type NeutrinoSample } from './detector.js';
import { planEvents, observablesAt, DEFAULT_SCORE } from './chain.js';
import { crossingMuons, lifetimeSlope } from './calibration.js';
import { checkSpectrumConfig, type SpectrumConfig } from './spectrum.js';
import { fitSpectrum, expectedCounts, type Templates, type EventTable, type FitResult, type CalibrationTerm } from './fit.js';
import { gradientCheck, holdPlan, type ObjectiveParams } from './objective.js';
import { writePlots } from './plots.js';

/** Run configuration. */
export interface NueConfig {
  nNue: number;
  nNumu: number;
  /** Through-going calibration muons: for the "data" and for the MC prediction. */
  nCalibration: number;
  tickUs: number;
  maxTrackCm: number;
  /** True detector lifetime [µs] and the analysis' constant as a fraction of it. */
  tauTrueUs: number;
  miscalibration: number;
  /** Lifetime nodes of the joint fit's templates, as multiples of the analysis constant. */
  nodeFactors: number[];
  truth: { sin22theta: number; dm2eV2: number };
  spectrum: SpectrumConfig;
  pseudoExperiments: number;
}

/** The quick and the full configuration. */
export function nueConfig(quick: boolean): NueConfig {
  return {
    nNue: quick ? 24 : 160,
    nNumu: quick ? 24 : 160,
    nCalibration: quick ? 16 : 48,
    tickUs: 0.5,
    maxTrackCm: 150,
    tauTrueUs: 600,
    miscalibration: 0.9,
    nodeFactors: [1, 1.15, 1.3],
    truth: { sin22theta: 0.1, dm2eV2: 2.5e-3 },
    spectrum: checkSpectrumConfig({ edgesGeV: [0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3.25, 3.75, 4.5, 6], bandwidthGeV: 0.2, baselineKm: 1300, exposure: 1e5 }),
    pseudoExperiments: 20,
  };
}

interface Tables {
  truth: EventTable;
  data: EventTable;
  nodes: EventTable[];
  features: { showerFraction: number[]; energyGeV: number[]; muonHypothesisGeV: number[]; contained: number[] };
  calibration: { dataSlope: number; dataSigma: number; mcAtTruth: number; mcSigma: number; mcNodes: number[]; dataPerTrack: number[] };
}

interface State {
  fingerprint: string;
  tables?: Tables;
  gradient?: { value: number; gradients: Record<string, { autodiff: number; finite_difference: number; step: number }>; seconds: number };
  closure: { seed: number; fit: FitResult }[];
  miscalibration?: { naive: FitResult; joint: FitResult; jointMeasured: FitResult; calibrationOnlyTauUs: { value: number; error: number } };
  /** Pseudo-experiments of the miscalibrated analysis: Poisson spectra and calibration slopes, both fits. */
  miscalibrationToys: { seed: number; naive: FitResult; joint: FitResult }[];
  elapsedS: number;
}

function readState(file: string, fingerprint: string): State | undefined {
  if (!existsSync(file)) return undefined;
  const s = JSON.parse(readFileSync(file, 'utf8')) as State;
  return s.fingerprint === fingerprint ? s : undefined;
}

function recoTensors(tauUs: number): RecoTensors {
  return recoParams({ lifetimeUs: tauUs }).constantTree() as unknown as RecoTensors;
}

function disposeTree(t: unknown): void {
  if (t instanceof tf.Tensor) t.dispose();
  else if (t && typeof t === 'object') for (const v of Object.values(t)) disposeTree(v);
}

/** Per-event observables and calibration slope at a detector point (simulation lifetime, reconstruction constant). */
function evaluatePoint(samples: NeutrinoSample[], mcMuons: ReturnType<typeof crossingMuons>, keys: { nu: PRNGKey; cal: PRNGKey }, simTauUs: number, recoTauUs: number, c: SimConfig, rc: RecoConfig): { table: EventTable; showerFraction: number[]; muonHypothesisGeV: number[]; contained: number[]; slope: { value: number; sigma: number; perTrack: number[] } } {
  const ps = detectorParams(simTauUs);
  const sim = asLArTPCTensors(ps.constantTree());
  const reco = recoTensors(recoTauUs);
  const events = samples.flatMap((s) => s.events);
  const planned = planEvents(events, ps, c, keys.nu);
  const o = observablesAt(planned, sim, reco, c, rc, DEFAULT_SCORE);
  const cal = planEvents(mcMuons, ps, c, keys.cal);
  const slope = tf.tidy(() => {
    const s = lifetimeSlope(cal, sim, reco, c, rc);
    return { value: s.value, sigma: s.sigma, perTrack: s.perTrack };
  });
  disposeTree(sim);
  disposeTree(reco);
  return { table: { energyGeV: o.energyGeV, score: o.score }, showerFraction: o.showerFraction, muonHypothesisGeV: o.muonHypothesisGeV, contained: o.contained, slope };
}

/** Runs the experiment. */
export async function run(opts: ExperimentOptions): Promise<{ summary: string }> {
  return runWith(opts, nueConfig(opts.quick));
}

/** Runs with an explicit configuration (tests use a tiny one). */
export async function runWith(opts: ExperimentOptions, cfg: NueConfig): Promise<{ summary: string }> {
  const t0 = performance.now();
  const root = prngKey(opts.seed).fold('nue-appearance');
  const [genKey, noiseKey, calKey, toyKey] = root.split(4);
  const c = detectorConfig(cfg.tickUs);
  const rc = recoConfig(c);
  const fingerprint = JSON.stringify({ seed: opts.seed, cfg });
  const ckFile = join(opts.out, 'checkpoint.json');
  if (!opts.resume) rmSync(ckFile, { force: true });
  const state: State = (opts.resume ? readState(ckFile, fingerprint) : undefined) ?? { fingerprint, closure: [], miscalibrationToys: [], elapsedS: 0 };
  const started = performance.now() - state.elapsedS * 1000;
  const save = () => {
    state.elapsedS = (performance.now() - started) / 1000;
    writeJsonAtomic(ckFile, state);
  };
  const tauA = cfg.tauTrueUs * cfg.miscalibration;
  const nodeTaus = cfg.nodeFactors.map((f) => tauA * f);

  // Events: fixed by the seed (kinematics do not depend on the theory).
  const nue = generateSample(genKey.fold('nue'), cfg.nNue, 'nue-appearance', cfg.maxTrackCm);
  const numu = generateSample(genKey.fold('numu'), cfg.nNumu, 'numu-disappearance', cfg.maxTrackCm);
  const samples = [nue, numu];
  const trueGeV = Float32Array.from([...nue.energyGeV, ...numu.energyGeV]);
  const isNue = Uint8Array.from([...new Array(cfg.nNue).fill(1), ...new Array(cfg.nNumu).fill(0)]);
  const mcMuons = crossingMuons(calKey.fold('mc'), cfg.nCalibration);
  const dataMuons = crossingMuons(calKey.fold('data'), cfg.nCalibration);
  const keys = { nu: noiseKey.fold('nu'), cal: noiseKey.fold('cal-mc') };

  const nPoints = 3 + nodeTaus.length;
  const nGrad = 1 + 2 * 6;
  const total = nPoints + nGrad + 2 * cfg.pseudoExperiments + 3;
  const bar: Progress = startProgress('nue-appearance', total, opts.progress);
  let step = 0;
  const tick = (info?: Record<string, number | string>) => bar.update(++step, info);

  // 1. Detector points: the calibrated truth, the miscalibrated data, the template nodes.
  if (!state.tables) {
    const truth = evaluatePoint(samples, mcMuons, keys, cfg.tauTrueUs, cfg.tauTrueUs, c, rc);
    tick({ stage: 'truth' });
    const data = evaluatePoint(samples, mcMuons, keys, cfg.tauTrueUs, tauA, c, rc);
    tick({ stage: 'data' });
    const nodes = nodeTaus.map((tau) => {
      const r = evaluatePoint(samples, mcMuons, keys, tau, tauA, c, rc);
      tick({ stage: `node ${tau.toFixed(0)} us` });
      return r;
    });
    // measured calibration: independent muons (other tracks, other noise) at the true lifetime, reconstructed with τ_a
    const ps = detectorParams(cfg.tauTrueUs);
    const sim = asLArTPCTensors(ps.constantTree());
    const reco = recoTensors(tauA);
    const dm = tf.tidy(() => {
      const s = lifetimeSlope(planEvents(dataMuons, ps, c, noiseKey.fold('cal-data')), sim, reco, c, rc);
      return { value: s.value, sigma: s.sigma, perTrack: s.perTrack };
    });
    disposeTree(sim);
    disposeTree(reco);
    tick({ stage: 'calibration muons' });
    state.tables = {
      truth: truth.table,
      data: data.table,
      nodes: nodes.map((n) => n.table),
      features: { showerFraction: truth.showerFraction, energyGeV: truth.table.energyGeV, muonHypothesisGeV: truth.muonHypothesisGeV, contained: truth.contained },
      calibration: { dataSlope: dm.value, dataSigma: dm.sigma, dataPerTrack: dm.perTrack, mcAtTruth: data.slope.value, mcSigma: data.slope.sigma, mcNodes: nodes.map((n) => n.slope.value) },
    };
    save();
  } else step += nPoints + 1;
  const tables = state.tables;

  // 2. Gradients of σ(sin²2θ) at the calibrated truth: autodiff against finite differences (common random numbers).
  const x0: ObjectiveParams = { 'detector.lifetime': cfg.tauTrueUs, 'electronics.threshold': 7000, 'geometry.pitch': 0.4434, 'reco.lifetime': cfg.tauTrueUs, sin22theta: cfg.truth.sin22theta, dm2eV2: cfg.truth.dm2eV2 };
  if (!state.gradient) {
    const tg = performance.now();
    const ps = detectorParams(cfg.tauTrueUs);
    const sim = asLArTPCTensors(ps.constantTree());
    const reco = recoTensors(cfg.tauTrueUs);
    const planned = planEvents(samples.flatMap((s) => s.events), ps, c, keys.nu);
    const ctx = holdPlan({ planned, trueGeV, isNue, sim, reco, c, rc, score: DEFAULT_SCORE, spectrum: cfg.spectrum }, x0);
    const g = gradientCheck(ctx, x0, Object.keys(x0) as (keyof ObjectiveParams)[], () => tick({ stage: 'gradients' }));
    disposeTree(sim);
    disposeTree(reco);
    state.gradient = { ...g, seconds: (performance.now() - tg) / 1000 };
    save();
  } else step += nGrad;

  // 3. Closure: pseudo-experiments at the calibrated truth, fit of (sin²2θ, Δm²).
  const truthT: Templates = { tauUs: [cfg.tauTrueUs], nodes: [tables.truth], trueGeV, isNue };
  const muTruth = expectedCounts(truthT, cfg.spectrum, cfg.truth.sin22theta, cfg.truth.dm2eV2);
  step += state.closure.length;
  for (let k = state.closure.length; k < cfg.pseudoExperiments; k++) {
    const n = tf.tidy(() => Array.from(poisson(toyKey.fold(k), tf.tensor1d(muTruth), 'none').sample.dataSync()));
    const fit = fitSpectrum(n, truthT, cfg.spectrum, { start: cfg.truth });
    state.closure.push({ seed: k, fit });
    save();
    tick({ stage: 'closure', toy: k });
  }

  // 4. Miscalibration: Asimov data from the detector at the true lifetime, reconstructed with τ_a = 0.9 τ.
  if (!state.miscalibration) {
    const dataT: Templates = { tauUs: [cfg.tauTrueUs], nodes: [tables.data], trueGeV, isNue };
    const asimov = expectedCounts(dataT, cfg.spectrum, cfg.truth.sin22theta, cfg.truth.dm2eV2);
    const naiveT: Templates = { tauUs: [nodeTaus[0]], nodes: [tables.nodes[0]], trueGeV, isNue };
    const naive = fitSpectrum(asimov, naiveT, cfg.spectrum, { start: cfg.truth });
    tick({ stage: 'naive fit' });
    const jointT: Templates = { tauUs: nodeTaus, nodes: tables.nodes, trueGeV, isNue };
    const cal = tables.calibration;
    const sig = Math.hypot(cal.dataSigma, cal.mcSigma);
    const asimovCal: CalibrationTerm = { slope: cal.mcAtTruth, sigma: sig, predicted: cal.mcNodes };
    const joint = fitSpectrum(asimov, jointT, cfg.spectrum, { start: { ...cfg.truth, tauUs: tauA }, calibration: asimovCal });
    tick({ stage: 'joint fit' });
    const measuredCal: CalibrationTerm = { slope: cal.dataSlope, sigma: sig, predicted: cal.mcNodes };
    const jointMeasured = fitSpectrum(asimov, jointT, cfg.spectrum, { start: { ...cfg.truth, tauUs: tauA }, calibration: measuredCal });
    tick({ stage: 'joint fit (measured muons)' });
    // τ from the calibration muons alone: slope linear in 1/τ between the nodes
    const [u0, u1] = [1 / nodeTaus[0], 1 / nodeTaus[nodeTaus.length - 1]];
    const db = (cal.mcNodes[cal.mcNodes.length - 1] - cal.mcNodes[0]) / (u1 - u0);
    const uHat = u0 + (cal.dataSlope - cal.mcNodes[0]) / db;
    state.miscalibration = { naive, joint, jointMeasured, calibrationOnlyTauUs: { value: 1 / uHat, error: sig / Math.abs(db) / (uHat * uHat) } };
    save();
  } else step += 3;

  // 5. Pseudo-experiments of the miscalibrated analysis: Poisson spectra from the data point, the muon
  // slope drawn around its expectation with its uncertainty; naive and joint fits of each.
  {
    const dataT: Templates = { tauUs: [cfg.tauTrueUs], nodes: [tables.data], trueGeV, isNue };
    const muData = expectedCounts(dataT, cfg.spectrum, cfg.truth.sin22theta, cfg.truth.dm2eV2);
    const naiveT: Templates = { tauUs: [nodeTaus[0]], nodes: [tables.nodes[0]], trueGeV, isNue };
    const jointT: Templates = { tauUs: nodeTaus, nodes: tables.nodes, trueGeV, isNue };
    const cal = tables.calibration;
    const sig = Math.hypot(cal.dataSigma, cal.mcSigma);
    state.miscalibrationToys ??= [];
    step += state.miscalibrationToys.length;
    for (let k = state.miscalibrationToys.length; k < cfg.pseudoExperiments; k++) {
      const key = toyKey.fold('miscalibration').fold(k);
      const n = tf.tidy(() => Array.from(poisson(key, tf.tensor1d(muData), 'none').sample.dataSync()));
      const slope = cal.mcAtTruth + sig * key.fold('calibration').normals(1)[0];
      const naive = fitSpectrum(n, naiveT, cfg.spectrum, { start: cfg.truth });
      const joint = fitSpectrum(n, jointT, cfg.spectrum, { start: { ...cfg.truth, tauUs: tauA }, calibration: { slope, sigma: sig, predicted: cal.mcNodes } });
      state.miscalibrationToys.push({ seed: k, naive, joint });
      save();
      tick({ stage: 'miscalibration toys', toy: k });
    }
  }
  bar.stop();

  // 5. Results.
  const pullsOf = (i: number, truth: number) => {
    const v = state.closure.map((r) => (r.fit.values[i] - truth) / r.fit.errors[i]);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const width = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, v.length - 1));
    // coverage: fraction of pseudo-experiments whose ±1σ (68.3 %) interval contains the truth
    return { mean, width, mean_error: width / Math.sqrt(v.length), coverage_1sigma: v.filter((x) => Math.abs(x) <= 1).length / v.length, values: v };
  };
  const pulls = { sin22theta: pullsOf(0, cfg.truth.sin22theta), dm2eV2: pullsOf(1, cfg.truth.dm2eV2) };
  const mis = state.miscalibration;
  const bias = (f: FitResult) => ({
    sin22theta: { fitted: f.values[0], error: f.errors[0], bias_sigma: (f.values[0] - cfg.truth.sin22theta) / f.errors[0] },
    dm2eV2: { fitted: f.values[1], error: f.errors[1], bias_sigma: (f.values[1] - cfg.truth.dm2eV2) / f.errors[1] },
    ...(f.values.length > 2 ? { lifetimeUs: { fitted: f.values[2], error: f.errors[2], bias_sigma: (f.values[2] - cfg.tauTrueUs) / f.errors[2] } } : {}),
    objective_start: f.objectiveStart,
    objective_min: f.objectiveMin,
    converged: f.converged,
  });
  const closureFits = state.closure.map((r) => r.fit);
  const results = {
    experiment: 'nue-appearance',
    seed: opts.seed,
    quick: opts.quick,
    config: cfg,
    truth: { ...cfg.truth, lifetimeUs: cfg.tauTrueUs, analysisLifetimeUs: tauA },
    objective: 'joint fit of (sin²2θ, Δm², τ) to the miscalibrated Asimov spectrum: −2 ln L + χ²_calibration',
    objective_before: mis.joint.objectiveStart,
    objective_after: mis.joint.objectiveMin,
    fitted: { sin22theta: mis.joint.values[0], dm2eV2: mis.joint.values[1], lifetimeUs: mis.joint.values[2], errors: { sin22theta: mis.joint.errors[0], dm2eV2: mis.joint.errors[1], lifetimeUs: mis.joint.errors[2] } },
    pulls: { n: closureFits.length, ...pulls },
    gradients: Object.fromEntries(Object.entries(state.gradient.gradients).map(([k, v]) => [k, { autodiff: v.autodiff, finite_difference: v.finite_difference, step: v.step, relative_difference: Math.abs(v.autodiff - v.finite_difference) / Math.max(Math.abs(v.autodiff), Math.abs(v.finite_difference), 1e-30) }])),
    sensitivity: { sigma_sin22theta: state.gradient.value, at: x0, gradient_seconds: state.gradient.seconds },
    expected_counts_at_truth: muTruth,
    miscalibration: {
      naive: bias(mis.naive),
      joint: bias(mis.joint),
      joint_with_measured_muons: bias(mis.jointMeasured),
      calibration_only_lifetime_us: mis.calibrationOnlyTauUs,
      calibration: tables.calibration,
      pseudo_experiments: toySummary(state.miscalibrationToys, cfg),
    },
    closure: closureFits.map((f) => ({ sin22theta: f.values[0], dm2eV2: f.values[1], errors: f.errors, converged: f.converged })),
    selection: selectionSummary(tables, isNue),
    numu_energy: numuEnergySummary(tables, isNue, trueGeV),
    wall_seconds: (performance.now() - t0) / 1000,
    total_seconds_including_resumed: state.elapsedS,
  };
  writeJsonAtomic(join(opts.out, 'results.json'), results);
  await writePlots(opts.out, { tables, isNue, trueGeV, muTruth, cfg, closure: closureFits, pulls, mis, tauA });
  const g = results.gradients;
  const summary = [
    `σ(sin²2θ) = ${state.gradient.value.toPrecision(4)} at sin²2θ = ${cfg.truth.sin22theta}, Δm² = ${cfg.truth.dm2eV2} eV² (exposure ${cfg.spectrum.exposure} ν_μ CC)`,
    ...Object.entries(g).map(([k, v]) => `  d/d${k}: autodiff ${v.autodiff.toPrecision(5)}  finite difference ${v.finite_difference.toPrecision(5)}`),
    `closure (${closureFits.length} pseudo-experiments): pull sin²2θ ${pulls.sin22theta.mean.toFixed(2)} ± ${pulls.sin22theta.mean_error.toFixed(2)}, width ${pulls.sin22theta.width.toFixed(2)}; Δm² ${pulls.dm2eV2.mean.toFixed(2)} ± ${pulls.dm2eV2.mean_error.toFixed(2)}, width ${pulls.dm2eV2.width.toFixed(2)}`,
    `lifetime 10 % low: naive Δm² ${(mis.naive.values[1] * 1e3).toFixed(4)}e-3 ± ${(mis.naive.errors[1] * 1e3).toFixed(4)}e-3 (${results.miscalibration.naive.dm2eV2.bias_sigma.toFixed(2)} σ), sin²2θ ${mis.naive.values[0].toFixed(4)} ± ${mis.naive.errors[0].toFixed(4)} (${results.miscalibration.naive.sin22theta.bias_sigma.toFixed(2)} σ)`,
    `joint fit: Δm² ${(mis.joint.values[1] * 1e3).toFixed(4)}e-3 ± ${(mis.joint.errors[1] * 1e3).toFixed(4)}e-3 (${results.miscalibration.joint.dm2eV2.bias_sigma.toFixed(2)} σ), sin²2θ ${mis.joint.values[0].toFixed(4)} ± ${mis.joint.errors[0].toFixed(4)} (${results.miscalibration.joint.sin22theta.bias_sigma.toFixed(2)} σ), τ ${mis.joint.values[2].toFixed(1)} ± ${mis.joint.errors[2].toFixed(1)} µs (true ${cfg.tauTrueUs})`,
    (() => {
      const t = results.miscalibration.pseudo_experiments as unknown as { n: number; naive: Record<string, { mean: number; mean_error: number }>; joint: Record<string, { mean: number; mean_error: number }> };
      const f = (x: { mean: number; mean_error: number }) => `${x.mean.toFixed(2)} ± ${x.mean_error.toFixed(2)}`;
      return `${t.n} miscalibrated pseudo-experiments, mean pull: naive Δm² ${f(t.naive.dm2eV2)}, sin²2θ ${f(t.naive.sin22theta)}; joint Δm² ${f(t.joint.dm2eV2)}, sin²2θ ${f(t.joint.sin22theta)}, τ ${f(t.joint.lifetimeUs)}`;
    })(),
    `wall ${results.wall_seconds.toFixed(1)} s`,
  ].join('\n');
  return { summary };
}

/**
 * ν_μ CC neutrino energy under the muon hypothesis (range of a contained
 * track + m_μ + hadronic calorimetry; calorimetric + m_μ when the muon
 * leaves): contained fraction and (E_reco − E_true)/E_true.
 */
function numuEnergySummary(t: Tables, isNue: Uint8Array, trueGeV: Float32Array): Record<string, { events: number; mean: number; rms: number } | number> {
  const rel = (keep: (i: number) => boolean) => {
    const v: number[] = [];
    isNue.forEach((f, i) => {
      if (!f && keep(i)) v.push(t.features.muonHypothesisGeV[i] / trueGeV[i] - 1);
    });
    const mean = v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
    return { events: v.length, mean, rms: v.length ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) : NaN };
  };
  const numu = isNue.reduce((a, f) => a + (f ? 0 : 1), 0);
  const cont = rel((i) => t.features.contained[i] === 1);
  return { contained_fraction: cont.events / numu, contained: cont, exiting: rel((i) => t.features.contained[i] !== 1) };
}

/** Mean and spread of the pulls (fitted − true)/σ of the miscalibration pseudo-experiments. */
function toySummary(toys: { naive: FitResult; joint: FitResult }[], cfg: NueConfig): Record<string, Record<string, { mean: number; mean_error: number; width: number }> | number> {
  const stat = (v: number[]) => {
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const width = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, v.length - 1));
    return { mean, mean_error: width / Math.sqrt(v.length), width };
  };
  const truth = [cfg.truth.sin22theta, cfg.truth.dm2eV2, cfg.tauTrueUs];
  const pulls = (f: 'naive' | 'joint', i: number) => stat(toys.map((t) => (t[f].values[i] - truth[i]) / t[f].errors[i]));
  return {
    n: toys.length,
    naive: { sin22theta: pulls('naive', 0), dm2eV2: pulls('naive', 1) },
    joint: { sin22theta: pulls('joint', 0), dm2eV2: pulls('joint', 1), lifetimeUs: pulls('joint', 2) },
  };
}

function selectionSummary(t: Tables, isNue: Uint8Array): { nue_efficiency: number; numu_misid: number } {
  let e = 0;
  let ne = 0;
  let m = 0;
  let nm = 0;
  t.truth.score.forEach((s, i) => {
    if (isNue[i]) (e += s), ne++;
    else (m += s), nm++;
  });
  return { nue_efficiency: e / ne, numu_misid: m / nm };
}
