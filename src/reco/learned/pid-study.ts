/**
 * Particle identification on simulated showers: electrons against photons
 * in the same calorimeter and energy range. The simulation's photons differ
 * only by where they start (conversion after an exponential depth of mean
 * 9/7 X0), so the information is in the longitudinal profile of the first
 * sections — a hard, honest task, not a toy one with a built-in tag. A Deep
 * Sets classifier over the cells and a CNN over the section images are
 * trained with the logistic loss and evaluated on held-out showers.
 */
import { ParamSet, adam, cosineDecay, prngKey, type PRNGKey } from '../../autodiff/index.js';
import { calorimeter, type CaloSpec } from '../../sim/calo/index.js';
import { sampleEnergies, type EnergyPrior } from './energy-prior.js';
import { showerSample } from './shower-sample.js';
import { concatInputs, takeInputs, type HostInputs } from './host-array.js';
import { CELL_FEATURES } from './cell-sets.js';
import { setNetwork } from './set-network.js';
import { imageNetwork } from './image-network.js';
import { logisticLoss } from './losses.js';
import { trainOnBatches } from './train.js';
import { predict } from './predict.js';
import { accuracy, rocAuc } from './metrics.js';
import type { Network } from './network.js';
import { STUDY_CALORIMETER } from './prior-study.js';

/** Options of `particleIdStudy`. */
export interface PidStudyOptions {
  calo?: CaloSpec;
  /** Energy spectrum of both species. Default log-uniform on [1, 20] GeV. */
  prior?: EnergyPrior;
  /** Training showers per species. Default 4000. */
  trainPerClass?: number;
  /** Test showers per species. Default 2000. */
  testPerClass?: number;
  steps?: number;
  batchSize?: number;
  /** Depth sections (image channels, set depths). Default 6. */
  sections?: number;
  seed?: number;
  log?: (line: string) => void;
}

/** Figures of one classifier. */
export interface ClassifierResult {
  /** Accuracy at probability 0.5 on the test showers. */
  accuracy: number;
  auc: number;
  finalLoss: number;
  trainSeconds: number;
}

/** Result of `particleIdStudy`. */
export interface PidStudyResult {
  set: ClassifierResult;
  cnn: ClassifierResult;
  events: { trainPerClass: number; testPerClass: number };
}

function labelled(calo: ReturnType<typeof calorimeter>, prior: EnergyPrior, n: number, sections: number, key: PRNGKey): { inputs: HostInputs; labels: Float32Array } {
  const opts = { sets: { sections, maxCells: 64 }, images: { sections } };
  const e = showerSample(calo, 'electron', sampleEnergies(prior, n, key.fold('e-energies')), key.fold('electrons'), opts);
  const g = showerSample(calo, 'photon', sampleEnergies(prior, n, key.fold('g-energies')), key.fold('photons'), opts);
  const inputs = concatInputs([e.inputs, g.inputs]);
  // Interleave the classes so that any prefix is balanced.
  const order = Array.from({ length: 2 * n }, (_, i) => (i % 2 === 0 ? i / 2 : n + (i - 1) / 2));
  const labels = Float32Array.from(order, (i) => (i < n ? 1 : 0));
  return { inputs: takeInputs(inputs, order), labels };
}

/**
 * Trains and evaluates both classifiers (label 1 = electron).
 *
 * @example
 * ```ts
 * const r = particleIdStudy({ trainPerClass: 4000, testPerClass: 2000, steps: 1500 });
 * r.set.auc; r.cnn.auc;
 * ```
 */
export function particleIdStudy(o: PidStudyOptions = {}): PidStudyResult {
  const log = o.log ?? (() => undefined);
  const calo = calorimeter(o.calo ?? STUDY_CALORIMETER);
  const prior = o.prior ?? { minGeV: 1, maxGeV: 20, index: 1 };
  const nTrain = o.trainPerClass ?? 4000;
  const nTest = o.testPerClass ?? 2000;
  const steps = o.steps ?? 1500;
  const sections = o.sections ?? 6;
  const key = prngKey(o.seed ?? 1).fold('pid-study');
  const train = labelled(calo, prior, nTrain, sections, key.fold('train'));
  const test = labelled(calo, prior, nTest, sections, key.fold('test'));
  log(`simulated ${2 * nTrain} training and ${2 * nTest} test showers`);
  const fit = (net: Network, name: string): ClassifierResult => {
    const t0 = performance.now();
    const r = trainOnBatches({
      params: new ParamSet(net.init(key.fold(`${name}-init`))),
      data: { ...train.inputs, label: { data: train.labels, shape: [train.labels.length] } },
      batchSize: o.batchSize ?? 128,
      steps,
      key: key.fold(`${name}-batches`),
      optimizer: adam({ learningRate: cosineDecay(3e-3, steps, 1e-4) }),
      loss: (p, b) => logisticLoss(net.apply(p, b), b.label),
    });
    const trainSeconds = (performance.now() - t0) / 1000;
    const logits = predict(net, r.params, test.inputs);
    const prob = Float32Array.from(logits, (s) => 1 / (1 + Math.exp(-s)));
    const out = { accuracy: accuracy(prob, test.labels), auc: rocAuc(prob, test.labels), finalLoss: r.history.at(-1)?.loss ?? NaN, trainSeconds };
    log(`${name}: accuracy ${out.accuracy.toFixed(4)}, AUC ${out.auc.toFixed(4)} (${trainSeconds.toFixed(0)} s)`);
    return out;
  };
  return {
    set: fit(setNetwork({ inDim: CELL_FEATURES, phi: [32, 32], rho: [32], outDim: 1 }), 'set'),
    cnn: fit(imageNetwork({ size: calo.design.cellsPerSide, channels: sections, conv: [16, 16], dense: [32], outDim: 1 }), 'cnn'),
    events: { trainPerClass: nTrain, testPerClass: nTest },
  };
}
