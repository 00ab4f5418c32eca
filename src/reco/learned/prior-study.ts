/**
 * The prior dependence of a learned energy calibration, measured on
 * simulated showers (Gambhir, Nachman, Thaler, arXiv:2205.05084).
 *
 * A Deep Sets regressor over the cells, trained once (squared error in
 * ln E, a log-uniform reference spectrum), gives a summary s(x) of each shower. The
 * summary is then calibrated to energy on showers drawn from two different
 * spectra, three ways:
 * - `mse`: an MLP g(s) fitted by squared error — its output is the posterior
 *   mean E[E | s], pulled towards where the training spectrum has its events;
 * - `inversion`: the likelihood p(s | E) = N(s; μ(E), σ(E)) fitted by maximum
 *   likelihood and inverted, Ê = argmax_E p(s | E);
 * - `ml`: a Gaussian-Ansatz critic T(s, z) whose B(s) is argmax_z p(s | z),
 *   with z = ln E and input ln s by default (`ansatzVariable`).
 * All three see the same summary, so the network's own training noise is
 * common to both spectra; the response mean(E_pred/E_true) per bin of
 * E_true on one common test sample is compared as a paired difference
 * (spectrum 0 − spectrum 1) on the same events. The seed control repeats
 * the calibrations on spectrum 0 with another initialization and batch
 * order: the difference that training alone makes.
 */
import { join } from 'node:path';
import { ParamSet, adam, cosineDecay, prngKey, DomainError, type Tensor } from '../../autodiff/index.js';
import { calorimeter, type CaloSpec } from '../../sim/calo/index.js';
import { sampleEnergies, checkEnergyPrior, type EnergyPrior } from './energy-prior.js';
import { showerSample, type ShowerSample } from './shower-sample.js';
import { CELL_FEATURES, type CellSetOptions } from './cell-sets.js';
import { setNetwork } from './set-network.js';
import { vectorNetwork } from './vector-network.js';
import { gaussianAnsatz, gaussianAnsatzLoss } from './gaussian-ansatz.js';
import { squaredErrorLoss } from './losses.js';
import { trainOnBatches } from './train.js';
import { predict, predictAnsatz } from './predict.js';
import { fitSummaryLikelihood, invertSummaryLikelihood } from './likelihood-inversion.js';
import { responseInBins, pairedResponseDifference, type ResponseBin } from './metrics.js';
import type { HostArray } from './host-array.js';

/** The calorimeter of the study: 24 layers of 4 mm Pb + 2 mm LAr (18 X0 of lead), 7 × 7 cells of 2 cm. */
export const STUDY_CALORIMETER: CaloSpec = { absorber: 'Pb', active: 'LAr', nLayers: 24, absorberCm: 0.4, activeCm: 0.2, cellSizeCm: 2, cellsPerSide: 7, subSlices: 1 };

/** Options of `priorDependenceStudy`. */
export interface PriorStudyOptions {
  calo?: CaloSpec;
  /** The two calibration spectra (same range). Default E^−0.5 and E^−2.5 on [1, 20] GeV. */
  priors?: [EnergyPrior, EnergyPrior];
  /** Showers for the summary network (log-uniform on the range). Default 8000. */
  summaryEvents?: number;
  /** Showers per calibration spectrum. Default 8000. */
  calibrationEvents?: number;
  /** Test showers, log-uniform on the range. Default 4000. */
  testEvents?: number;
  /** Training steps of the summary network. Default 1500. */
  summarySteps?: number;
  /** Training steps of each calibration. Default 1500. */
  calibrationSteps?: number;
  batchSize?: number;
  /** Product-of-marginals pairs per event in the Ansatz loss. Default 16. */
  marginalPairs?: number;
  seed?: number;
  /** Bin edges in E_true [GeV]. Default √2 steps from the range's lower end. */
  edges?: number[];
  sets?: CellSetOptions;
  /**
   * The variable of the Gaussian Ansatz and of its input: 'lnE' (default; z = ln E and the input
   * ln s, for which the likelihood of the log-energy summary is nearly quadratic) or 'E' (z = E, input s).
   */
  ansatzVariable?: 'lnE' | 'E';
  /** Directory for the summary network's training checkpoint (a rerun resumes). */
  checkpointDir?: string;
  log?: (line: string) => void;
}

/** One calibration method in the study. */
export interface EstimatorResult {
  /** Response per bin after calibrating on spectrum 0 and on spectrum 1. */
  response: [ResponseBin[], ResponseBin[]];
  /** Paired response difference (spectrum 0 − spectrum 1) per bin. */
  difference: ResponseBin[];
  /** Paired difference between two calibrations on spectrum 0 with different seeds. */
  seedDifference: ResponseBin[];
  /** Mean over bins of |difference| / standard error. */
  meanAbsPull: number;
  /** Largest |difference| over the bins. */
  maxAbsDifference: number;
}

/** Result of the study. */
export interface PriorStudyResult {
  priors: [EnergyPrior, EnergyPrior];
  edges: number[];
  events: { summary: number; calibration: number; test: number };
  /** Response of the summary itself (the reference-trained regression) on the test sample. */
  summaryResponse: ResponseBin[];
  mse: EstimatorResult;
  inversion: EstimatorResult;
  ml: EstimatorResult;
  /** Median Gaussian-Ansatz width σ(E)/E per bin (calibration on spectrum 0). */
  mlRelativeWidth: number[];
  wallSeconds: number;
}

function defaultEdges(lo: number, hi: number): number[] {
  const e = [lo];
  while (e[e.length - 1] * Math.SQRT2 < hi * (1 - 1e-9)) e.push(e[e.length - 1] * Math.SQRT2);
  e.push(hi);
  return e;
}

function summarize(bins: ResponseBin[]): { meanAbsPull: number; maxAbsDifference: number } {
  const ok = bins.filter((b) => b.count > 1 && b.stdErr > 0);
  return {
    meanAbsPull: ok.reduce((s, b) => s + Math.abs(b.mean) / b.stdErr, 0) / Math.max(ok.length, 1),
    maxAbsDifference: Math.max(...bins.filter((b) => b.count > 0).map((b) => Math.abs(b.mean))),
  };
}

/**
 * Runs the study (minutes at the default sizes; small sizes make a smoke test).
 *
 * @example
 * ```ts
 * const r = priorDependenceStudy({ seed: 1 });
 * r.mse.difference; // response(spectrum E^−0.5) − response(spectrum E^−2.5) per bin: large at low E
 * r.inversion.difference; // near zero
 * ```
 */
export function priorDependenceStudy(o: PriorStudyOptions = {}): PriorStudyResult {
  const t0 = performance.now();
  const log = o.log ?? (() => undefined);
  const priors = o.priors ?? [
    { minGeV: 1, maxGeV: 20, index: 0.5 },
    { minGeV: 1, maxGeV: 20, index: 2.5 },
  ];
  priors.forEach((p, i) => checkEnergyPrior(p, `priors[${i}]`));
  if (priors[0].minGeV !== priors[1].minGeV || priors[0].maxGeV !== priors[1].maxGeV) throw new DomainError('priors', priors, 'the two spectra must share their range');
  const { minGeV: lo, maxGeV: hi } = priors[0];
  const nSummary = o.summaryEvents ?? 8000;
  const nCal = o.calibrationEvents ?? 8000;
  const nTest = o.testEvents ?? 4000;
  const summarySteps = o.summarySteps ?? 1500;
  const calSteps = o.calibrationSteps ?? 1500;
  const batchSize = o.batchSize ?? 256;
  const pairs = o.marginalPairs ?? 16;
  const seed = o.seed ?? 1;
  const edges = o.edges ?? defaultEdges(lo, hi);
  const sets: CellSetOptions = o.sets ?? { sections: 6, maxCells: 64 };
  const calo = calorimeter(o.calo ?? STUDY_CALORIMETER);
  const key = prngKey(seed).fold('prior-study');
  const logUniform: EnergyPrior = { minGeV: lo, maxGeV: hi, index: 1 };
  const eScale = hi / 3;
  const logZ = (o.ansatzVariable ?? 'lnE') === 'lnE';
  if (o.ansatzVariable !== undefined && o.ansatzVariable !== 'lnE' && o.ansatzVariable !== 'E') throw new DomainError('ansatzVariable', o.ansatzVariable, "must be 'lnE' or 'E'");
  // The Ansatz variable scaled to [−1, 1] on the range, and back.
  const zOf = (e: number) => (logZ ? (2 * Math.log(e / lo)) / Math.log(hi / lo) - 1 : (2 * (e - lo)) / (hi - lo) - 1);
  const eOf = (z: number) => (logZ ? lo * Math.pow(hi / lo, (z + 1) / 2) : lo + ((z + 1) / 2) * (hi - lo));
  const dEdz = (e: number) => (logZ ? (e * Math.log(hi / lo)) / 2 : (hi - lo) / 2);
  const gaIn = (v: number) => (logZ ? Math.log(Math.max(v, 1e-3)) : v / eScale);

  const sample = (name: string, prior: EnergyPrior, n: number): ShowerSample => {
    const s = showerSample(calo, 'electron', sampleEnergies(prior, n, key.fold(`energies-${name}`)), key.fold(`showers-${name}`), { sets });
    log(`simulated ${n} showers (${name})`);
    return s;
  };

  // 1. The summary: a Deep Sets regressor trained once.
  const ref = sample('summary', logUniform, nSummary);
  const net = setNetwork({ inDim: CELL_FEATURES, phi: [32, 32], rho: [32], outDim: 1 });
  const rs = trainOnBatches({
    params: new ParamSet(net.init(key.fold('summary-init'))),
    // ln E as the target: the relative resolution, not the absolute error, is what the summary should be good at.
    data: { features: ref.inputs.features, mask: ref.inputs.mask, target: { data: Float32Array.from(ref.energyGeV, (e) => Math.log(e)), shape: [nSummary] } },
    batchSize,
    steps: summarySteps,
    key: key.fold('summary-batches'),
    optimizer: adam({ learningRate: cosineDecay(3e-3, summarySteps, 1e-4) }),
    checkpoint: o.checkpointDir ? { path: join(o.checkpointDir, 'summary-network.json'), every: 100 } : undefined,
    loss: (p, b) => squaredErrorLoss(net.apply(p, b), b.target),
  });
  log(`summary network: loss ${rs.history[0]?.loss.toFixed(4)} → ${rs.history.at(-1)?.loss.toFixed(4)}`);
  const summaryOf = (s: ShowerSample) => Float32Array.from(predict(net, rs.params, { features: s.inputs.features, mask: s.inputs.mask }), (v) => Math.exp(v));
  const test = sample('test', logUniform, nTest);
  const sTest = summaryOf(test);
  const col = (v: ArrayLike<number>, f: (x: number) => number): HostArray => ({ data: Float32Array.from(v, f), shape: [v.length, 1] });

  // 2. The calibrations of s on a spectrum.
  const mseCal = vectorNetwork({ inDim: 1, hidden: [16, 16], outDim: 1 });
  const ga = gaussianAnsatz(vectorNetwork({ inDim: 1, hidden: [16, 16], outDim: 3 }));
  const calibrate = (cal: ShowerSample, s: Float32Array, name: string, initKey: string) => {
    const n = s.length;
    const data = {
      features: col(s, (v) => v / eScale),
      target: { data: Float32Array.from(cal.energyGeV, (e) => e / eScale), shape: [n] },
      z: { data: Float32Array.from(cal.energyGeV, zOf), shape: [n] },
      gaFeatures: col(s, gaIn),
    };
    const opt = () => adam({ learningRate: cosineDecay(1e-2, calSteps, 1e-4) });
    const rm = trainOnBatches({
      params: new ParamSet(mseCal.init(key.fold(`${initKey}-mse`))),
      data,
      batchSize,
      steps: calSteps,
      key: key.fold(`batches-mse-${initKey}`),
      optimizer: opt(),
      loss: (p, b) => squaredErrorLoss(mseCal.apply(p, b), b.target),
    });
    const rg = trainOnBatches({
      params: new ParamSet(ga.init(key.fold(`${initKey}-ml`))),
      data,
      batchSize,
      steps: calSteps,
      key: key.fold(`batches-ml-${initKey}`),
      optimizer: opt(),
      loss: (p, b) => gaussianAnsatzLoss(ga, p, { features: b.gaFeatures }, b.z as Tensor, { marginalPairs: pairs }),
    });
    const lik = fitSummaryLikelihood(s, cal.energyGeV, { minGeV: lo, maxGeV: hi, key: key.fold(`${initKey}-likelihood`), steps: calSteps });
    log(`calibrations (${name}): squared error ${rm.history.at(-1)?.loss.toFixed(4)}, Ansatz bound ${rg.history.at(-1)?.loss.toFixed(4)}, likelihood NLL ${lik.finalNll.toFixed(4)}`);
    const testIn = { features: col(sTest, (v) => v / eScale) };
    const est = predictAnsatz(ga, rg.params, { features: col(sTest, gaIn) });
    const ml = Float32Array.from(est.z, eOf);
    return {
      mse: Float32Array.from(predict(mseCal, rm.params, testIn), (v) => v * eScale),
      inv: invertSummaryLikelihood(lik, sTest),
      ml,
      sigmaGeV: Float32Array.from(est.sigma, (v, i) => v * dEdz(ml[i])),
    };
  };
  const cals = priors.map((p, i) => {
    const cal = sample(`calibration-${i}`, p, nCal);
    return { cal, s: summaryOf(cal), i };
  });
  const runs = cals.map(({ cal, s, i }) => calibrate(cal, s, `spectrum ${i}`, `cal-${i}`));
  const control = calibrate(cals[0].cal, cals[0].s, 'spectrum 0, second seed', 'cal-0-seed-2');

  const estimator = (which: 'mse' | 'inv' | 'ml'): EstimatorResult => {
    const difference = pairedResponseDifference(test.energyGeV, runs[0][which], runs[1][which], edges);
    return {
      response: [responseInBins(test.energyGeV, runs[0][which], edges), responseInBins(test.energyGeV, runs[1][which], edges)],
      difference,
      seedDifference: pairedResponseDifference(test.energyGeV, runs[0][which], control[which], edges),
      ...summarize(difference),
    };
  };
  const mlRelativeWidth = edges.slice(0, -1).map((a, b) => {
    const v = Array.from(runs[0].sigmaGeV, (s, i) => s / test.energyGeV[i]).filter((_, i) => test.energyGeV[i] >= a && test.energyGeV[i] < edges[b + 1]).sort((x, y) => x - y);
    return v.length ? v[Math.floor(v.length / 2)] : NaN;
  });
  return {
    priors,
    edges,
    events: { summary: nSummary, calibration: nCal, test: nTest },
    summaryResponse: responseInBins(test.energyGeV, sTest, edges),
    mse: estimator('mse'),
    inversion: estimator('inv'),
    ml: estimator('ml'),
    mlRelativeWidth,
    wallSeconds: (performance.now() - t0) / 1000,
  };
}
