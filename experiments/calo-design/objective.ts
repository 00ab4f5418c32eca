/**
 * The design objective of the calo-design experiment: photon energy
 * resolution over 1–100 GeV of a Pb/scintillator sampling calorimeter with a
 * total-depth limit and a cost budget, as a function of the (uniform)
 * absorber and active thicknesses and the cell size.
 *
 *   J = mean_showers ((E_rec − E)/E)² + smooth budget and depth penalties,
 *   E_rec = Σ_l w_l V_l (calibrated layer sum), w_l = (1 + δ_l)/(ê f_l).
 *
 * The penalties are softplus hinges (as TomOpt's budget penalty,
 * arXiv:2309.14027): zero well inside the limit, linear beyond it.
 */
import { tf, type Tensor, PRNGKey, ParamSet, param } from '../../src/autodiff/index.js';
import { calorimeter, drawShowerRandoms, showerTensors, effectiveMedium, leastSquaresWeights, type Calorimeter, type ShowerRandoms } from '../../src/sim/calo/index.js';

/** Fixed settings of the study. */
export const SETUP = {
  absorber: 'Pb',
  active: 'Scintillator',
  nLayers: 20,
  cellsPerSide: 5,
  /** Photoelectrons per visible GeV and noise per cm of cell side [visible MeV]. */
  photoelectronsPerGeV: 2000,
  noiseMeVPerCm: 0.03,
  energyRangeGeV: [1, 100] as [number, number],
  /** Total depth limit [cm] and its penalty scale. */
  depthLimitCm: 18,
  /** Cost per cm³ (relative units: Pb 1, plastic scintillator 0.4) and the budget. */
  costPerCm3: { absorber: 1, active: 0.4 },
  budget: 3000,
  /** Penalty strength (objective units) and the relative width of the softplus hinge. */
  penaltyWeight: 0.02,
  hingeWidth: 0.05,
} as const;

/** A design point. */
export interface DesignPoint {
  absorberCm: number;
  activeCm: number;
  cellSizeCm: number;
}

/** The calorimeter of a design point. */
export function caloOf(p: DesignPoint): Calorimeter {
  return calorimeter({
    absorber: SETUP.absorber,
    active: SETUP.active,
    nLayers: SETUP.nLayers,
    absorberCm: p.absorberCm,
    activeCm: p.activeCm,
    cellSizeCm: p.cellSizeCm,
    cellsPerSide: SETUP.cellsPerSide,
    photoelectronsPerGeV: SETUP.photoelectronsPerGeV,
    noiseMeVPerCm: SETUP.noiseMeVPerCm,
  });
}

/** A sample of photons: energies log-uniform in the range, and their shower randoms. */
export interface PhotonSample {
  energyGeV: Float64Array;
  randoms: ShowerRandoms;
}

/** Draws `n` photons from `key` (the same key gives the same sample for every design). */
export function photonSample(key: PRNGKey, n: number): PhotonSample {
  const [kE, kS] = key.split(2);
  const [lo, hi] = SETUP.energyRangeGeV;
  const energyGeV = Float64Array.from(kE.uniforms(n), (u) => Math.exp(Math.log(lo) + u * Math.log(hi / lo)));
  const design = caloOf({ absorberCm: 1, activeCm: 1, cellSizeCm: 1 }).design;
  return { energyGeV, randoms: drawShowerRandoms(kS, n, design) };
}

/** Cost and depth penalties of a design (tensors, differentiable). */
export function penaltyTensor(a: Tensor, g: Tensor, s: Tensor): Tensor {
  const L = SETUP.nLayers;
  const area = tf.square(tf.mul(s, SETUP.cellsPerSide));
  const cost = tf.mul(tf.mul(area, L), tf.add(tf.mul(a, SETUP.costPerCm3.absorber), tf.mul(g, SETUP.costPerCm3.active)));
  const depth = tf.mul(tf.add(a, g), L);
  const w = SETUP.hingeWidth;
  const hinge = (x: Tensor) => tf.mul(w, tf.softplus(tf.div(tf.sub(x, 1), w)));
  return tf.mul(SETUP.penaltyWeight, tf.add(hinge(tf.div(cost, SETUP.budget)), hinge(tf.div(depth, SETUP.depthLimitCm))));
}

/** The penalty as a number. */
export function penalty(p: DesignPoint): number {
  return tf.tidy(() => penaltyTensor(tf.scalar(p.absorberCm), tf.scalar(p.activeCm), tf.scalar(p.cellSizeCm)).dataSync()[0]);
}

/** Visible layer sums [B, L] and 1/(ê f_l) [L] for design tensors (differentiable). */
export function layerResponse(a: Tensor, g: Tensor, s: Tensor, sample: PhotonSample): { visibleLayers: Tensor; invSampling: Tensor } {
  const design = caloOf({ absorberCm: 1, activeCm: 1, cellSizeCm: 1 }).design;
  const L = SETUP.nLayers;
  const geo = { absorberCm: tf.mul(tf.ones([L]), a), activeCm: tf.mul(tf.ones([L]), g), cellSizeCm: s };
  const r = showerTensors(design, geo, { particle: 'photon', energyGeV: tf.tensor1d(Float32Array.from(sample.energyGeV)) }, sample.randoms, { output: 'layers' });
  const m = effectiveMedium(design, geo);
  return { visibleLayers: tf.sum(r.visibleLayers.reshape([sample.energyGeV.length, L, -1]), 2), invSampling: tf.div(1, tf.mul(m.samplingFraction, m.eHat)) };
}

/**
 * The trainable parameters: thicknesses and cell size with log transforms
 * (positive lengths), and the per-layer calibration offsets δ_l.
 */
export function designParams(start: DesignPoint): ParamSet {
  return new ParamSet({
    absorberCm: param(start.absorberCm, { unit: 'cm', transform: 'log', doc: 'absorber thickness of every layer' }),
    activeCm: param(start.activeCm, { unit: 'cm', transform: 'log', doc: 'active thickness of every layer' }),
    cellSizeCm: param(start.cellSizeCm, { unit: 'cm', transform: 'log', doc: 'transverse cell size' }),
    calibration: param(new Array(SETUP.nLayers).fill(0), { doc: 'δ_l: E_rec = Σ (1 + δ_l) V_l/(ê f_l)' }),
  });
}

/** The design point of a parameter set. */
export function pointOfParams(ps: ParamSet): DesignPoint {
  return { absorberCm: ps.get('absorberCm') as number, activeCm: ps.get('activeCm') as number, cellSizeCm: ps.get('cellSizeCm') as number };
}

/** The training loss at physical parameters `p` (a `ParamSet.physicalTree`), tensor level. */
export function lossTensor(p: { absorberCm: Tensor; activeCm: Tensor; cellSizeCm: Tensor; calibration: Tensor }, sample: PhotonSample): Tensor {
  const { visibleLayers, invSampling } = layerResponse(p.absorberCm, p.activeCm, p.cellSizeCm, sample);
  const w = tf.mul(tf.add(1, p.calibration), invSampling);
  const eRec = tf.sum(tf.mul(visibleLayers, w.reshape([1, -1])), 1);
  const e = tf.tensor1d(Float32Array.from(sample.energyGeV));
  const resid = tf.sub(tf.div(eRec, e), 1);
  return tf.add(tf.mean(tf.square(resid)), penaltyTensor(p.absorberCm, p.activeCm, p.cellSizeCm));
}

/** Objective of a design with least-squares calibration on `sample`; also the per-shower squared residuals. */
export function evaluateDesign(p: DesignPoint, sample: PhotonSample): { objective: number; resolutionTerm: number; penalty: number; squaredResiduals: Float64Array } {
  const L = SETUP.nLayers;
  const { vis, inv } = tf.tidy(() => {
    const r = layerResponse(tf.scalar(p.absorberCm), tf.scalar(p.activeCm), tf.scalar(p.cellSizeCm), sample);
    return { vis: r.visibleLayers.dataSync() as Float32Array, inv: Array.from(r.invSampling.dataSync()) };
  });
  const w = leastSquaresWeights(vis, sample.energyGeV, L, inv);
  const n = sample.energyGeV.length;
  const sq = new Float64Array(n);
  let sum = 0;
  for (let b = 0; b < n; b++) {
    let e = 0;
    for (let l = 0; l < L; l++) e += w[l] * vis[b * L + l];
    sq[b] = (e / sample.energyGeV[b] - 1) ** 2;
    sum += sq[b];
  }
  const pen = penalty(p);
  return { objective: sum / n + pen, resolutionTerm: sum / n, penalty: pen, squaredResiduals: sq };
}
