/**
 * Particle identification on simulated showers: electrons against photons
 * in the same calorimeter and energy range. The simulation's photons differ
 * only by where they start (conversion after an exponential depth of mean
 * 9/7 X0), so the information is in the longitudinal profile of the first
 * sections — a hard, honest task, not a toy one with a built-in tag. A Deep
 * Sets classifier over the cells and a CNN over the section images are
 * trained with the logistic loss and evaluated on held-out showers. The
 * classical baseline sees the same section images through the shower-shape
 * variables of `src/reco/calo` (mean depth, front fraction, lateral width)
 * plus the next sections' energy fractions and ln of the visible energy,
 * combined by Fisher's linear discriminant and, separately, as the best
 * single-variable cut (both chosen on the training showers).
 */
import { tf, ParamSet, adam, cosineDecay, prngKey, DomainError, type PRNGKey } from '../../autodiff/index.js';
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
import { layerGroups } from './calo-images.js';
import type { HostArray } from './host-array.js';
import { fitFisherDiscriminant, fisherScores } from './fisher-discriminant.js';
import { cellCentres, layerMidDepthCm, showerShapes } from '../calo/index.js';

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
  /** Train the two networks (default true); false computes only the classical baseline. */
  networks?: boolean;
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

/** Fisher's discriminant on the shower-shape variables. */
export interface FisherBaselineResult {
  /** Accuracy at log odds 0 (the analogue of p > 0.5) on the test showers. */
  accuracy: number;
  auc: number;
  /** w per variable (units: 1 / the variable's unit). */
  weights: Record<string, number>;
  /** Mahalanobis distance of the training classes. */
  trainSeparation: number;
}

/** The single-variable cut with the best training accuracy. */
export interface CutBaselineResult {
  accuracy: number;
  /** AUC of the chosen variable (oriented by the cut's direction). */
  auc: number;
  variable: string;
  cut: number;
  /** Electrons (label 1) are the events above the cut (else below). */
  electronsAbove: boolean;
}

/** Result of `particleIdStudy`. */
export interface PidStudyResult {
  /** The networks (absent with `networks: false`). */
  set?: ClassifierResult;
  cnn?: ClassifierResult;
  fisher: FisherBaselineResult;
  bestCut: CutBaselineResult;
  /** Test AUC of each shower-shape variable on its own (> 0.5: larger in electrons). */
  variableAuc: Record<string, number>;
  events: { trainPerClass: number; testPerClass: number };
}

/**
 * Shower-shape variables of section images [B, n, n, S] (channels last, as
 * the CNN reads them): mean depth [cm], front fraction and lateral width [cm]
 * of `showerShapes` (sections at the mean mid-depth of their layers), the
 * energy fractions of the sections after the front ones (as many as keep the
 * set linearly independent, at most 3) and ln of the visible energy [GeV].
 *
 * @example
 * ```ts
 * const v = sectionShowerShapes(calo, images, 6, 0.1); // v.features [B, 7], v.names
 * ```
 */
export function sectionShowerShapes(calo: ReturnType<typeof calorimeter>, images: HostArray, sections: number, energyScaleGeV: number): { features: HostArray; names: string[] } {
  const [B, n, n2, S] = images.shape;
  if (images.shape.length !== 4 || n !== n2 || S !== sections) throw new DomainError('images.shape', images.shape, `must be [events, n, n, ${sections}]`);
  if (S < 4) throw new DomainError('sections', S, 'the shower-shape baseline needs at least 4 sections (front, later fractions, depth)');
  const groups = layerGroups(calo.design.nLayers, { sections: S });
  const nFront = Math.max(1, Math.floor(S / 4)); // as in showerShapes
  const nFractions = Math.min(3, S - nFront - 2);
  const names = ['depthCm', 'frontFraction', ...Array.from({ length: nFractions }, (_, k) => `fraction${nFront + k}`), 'lateralWidthCm', 'lnVisibleGeV'];
  const D = names.length;
  const C = n * n;
  const out = new Float32Array(B * D);
  const chunk = 1000;
  for (let start = 0; start < B; start += chunk) {
    const m = Math.min(chunk, B - start);
    const slab = images.data.subarray(start * C * S, (start + m) * C * S);
    const [depth, front, width, sums] = tf.tidy(() => {
      const layerZ = layerMidDepthCm(tf.tensor1d(calo.absorberCm), tf.tensor1d(calo.activeCm));
      const sectionZ = tf.stack(groups.map((g) => tf.mean(tf.gather(layerZ, tf.tensor1d(g, 'int32')))));
      const { x, y } = cellCentres(n, calo.cellSizeCm);
      const cells = tf.transpose(tf.tensor3d(slab, [m, C, S]), [0, 2, 1]); // [m, S, C]
      const sh = showerShapes(cells, x, y, sectionZ);
      return [sh.depthCm, sh.frontFraction, sh.lateralWidthCm, tf.sum(cells, 2)];
    });
    const [dz, fr, wd, se] = [depth.dataSync(), front.dataSync(), width.dataSync(), sums.dataSync()];
    tf.dispose([depth, front, width, sums]);
    for (let b = 0; b < m; b++) {
      let tot = 0;
      for (let s = 0; s < S; s++) tot += se[b * S + s];
      const row = (start + b) * D;
      out[row] = dz[b];
      out[row + 1] = fr[b];
      for (let k = 0; k < nFractions; k++) out[row + 2 + k] = se[b * S + nFront + k] / tot;
      out[row + 2 + nFractions] = wd[b];
      out[row + 3 + nFractions] = Math.log(tot * energyScaleGeV);
    }
  }
  return { features: { data: out, shape: [B, D] }, names };
}

/**
 * The single-variable cut with the best accuracy on `features` [N, D]
 * (thresholds midway between consecutive distinct values, either direction).
 *
 * @example
 * ```ts
 * bestSingleCut({ data: Float32Array.from([0, 5, 1, 6]), shape: [2, 2] }, [0, 1]); // { variable: 0, cut: 0.5, electronsAbove: true, accuracy: 1 }
 * ```
 */
export function bestSingleCut(features: HostArray, labels: ArrayLike<number>): { variable: number; cut: number; electronsAbove: boolean; accuracy: number } {
  const [N, D] = features.shape;
  if (features.shape.length !== 2 || labels.length !== N || N < 1) throw new DomainError('features.shape', features.shape, `must be [events, variables] with ${labels.length} events (one per label)`);
  let pos = 0;
  for (let i = 0; i < N; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new DomainError(`labels[${i}]`, labels[i], 'must be 0 or 1');
    pos += labels[i];
  }
  let best = { variable: 0, cut: -Infinity, electronsAbove: true, accuracy: pos / N };
  for (let j = 0; j < D; j++) {
    const v = Float64Array.from({ length: N }, (_, i) => features.data[i * D + j]);
    v.forEach((x, i) => {
      if (!Number.isFinite(x)) throw new DomainError(`features[event ${i}, variable ${j}]`, x, 'must be finite');
    });
    const idx = Array.from({ length: N }, (_, i) => i).sort((a, b) => v[a] - v[b]);
    let posBelow = 0;
    for (let k = 1; k <= N; k++) {
      posBelow += labels[idx[k - 1]];
      if (k < N && v[idx[k]] === v[idx[k - 1]]) continue;
      const negBelow = k - posBelow;
      const above = (pos - posBelow + negBelow) / N; // electrons above: positives above + negatives below
      const cut = k < N ? (v[idx[k - 1]] + v[idx[k]]) / 2 : Infinity;
      if (above > best.accuracy) best = { variable: j, cut, electronsAbove: true, accuracy: above };
      if (1 - above > best.accuracy) best = { variable: j, cut, electronsAbove: false, accuracy: 1 - above };
    }
  }
  return best;
}

/** Energy scale of the section images [GeV visible per unit] (the `caloImages` default). */
const IMAGE_SCALE_GEV = 0.1;

function labelled(calo: ReturnType<typeof calorimeter>, prior: EnergyPrior, n: number, sections: number, key: PRNGKey): { inputs: HostInputs; labels: Float32Array } {
  const opts = { sets: { sections, maxCells: 64 }, images: { sections, energyScaleGeV: IMAGE_SCALE_GEV } };
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
 * r.set?.auc; r.cnn?.auc; r.fisher.auc; r.bestCut.auc;
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
  const shapesTrain = sectionShowerShapes(calo, train.inputs.images, sections, IMAGE_SCALE_GEV);
  const shapesTest = sectionShowerShapes(calo, test.inputs.images, sections, IMAGE_SCALE_GEV);
  const names = shapesTrain.names;
  const fisherFit = fitFisherDiscriminant(shapesTrain.features, train.labels);
  const fisherTest = fisherScores(fisherFit, shapesTest.features);
  const fisher: FisherBaselineResult = {
    accuracy: accuracy(fisherTest, test.labels, 0),
    auc: rocAuc(fisherTest, test.labels),
    weights: Object.fromEntries(names.map((v, j) => [v, fisherFit.weights[j]])),
    trainSeparation: fisherFit.separation,
  };
  log(`fisher: accuracy ${fisher.accuracy.toFixed(4)}, AUC ${fisher.auc.toFixed(4)}`);
  const D = names.length;
  const column = (j: number, sign = 1): Float64Array => Float64Array.from({ length: 2 * nTest }, (_, i) => sign * shapesTest.features.data[i * D + j]);
  const cut = bestSingleCut(shapesTrain.features, train.labels);
  const sign = cut.electronsAbove ? 1 : -1;
  const bestCut: CutBaselineResult = {
    accuracy: accuracy(column(cut.variable, sign), test.labels, sign * cut.cut),
    auc: rocAuc(column(cut.variable, sign), test.labels),
    variable: names[cut.variable],
    cut: cut.cut,
    electronsAbove: cut.electronsAbove,
  };
  log(`best cut: ${bestCut.variable} ${cut.electronsAbove ? '>' : '<'} ${cut.cut.toPrecision(4)}: accuracy ${bestCut.accuracy.toFixed(4)}, AUC ${bestCut.auc.toFixed(4)}`);
  const variableAuc = Object.fromEntries(names.map((v, j) => [v, rocAuc(column(j), test.labels)]));
  const baseline = { fisher, bestCut, variableAuc, events: { trainPerClass: nTrain, testPerClass: nTest } };
  if (o.networks === false) return baseline;
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
    ...baseline,
  };
}
