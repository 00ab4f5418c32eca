/**
 * The chain: generator (theory) → calorimeter (geometry) → photon
 * reconstruction (calibration) → diphoton mass → soft histograms of signal,
 * continuum and their ±1σ systematic variations. One tensor function of all
 * parameters for a fixed event sample, so every gradient is exact for the
 * sample and finite differences use common random numbers.
 *
 * Photon geometry: the calorimeter is a barrel at radius R with a pointing
 * read-out (cells face the interaction point), so a photon enters its cell
 * grid at normal incidence; its polar angle θ comes from the generator and
 * its impact point inside the cell, (u, v)·s, is uniform. The reconstructed
 * log-weighted centroid (x̂, ŷ) differs from the impact point by the position
 * error; at the face, at distance R/sin θ from the vertex along the photon,
 * it turns into θ̂ = θ + (x̂ − u s) sin θ / R and φ̂ = φ + (ŷ − v s)/R. The
 * photons of a resonance at rest in the transverse plane are back to back in
 * φ. The opening angle and the calibrated cluster energies give
 * m = √(2 E₁ E₂ (1 − cos θ₁₂)).
 */
import { tf, type Tensor } from '../../src/autodiff/index.js';
import { showerTensors } from '../../src/sim/calo/index.js';
import { diphotonEvents, type DiphotonTheory } from '../../src/sim/generator/index.js';
import { softHistogram } from '../../src/autodiff/index.js';
import { reconstructPhotons, calibrationWeights, layerMidDepthCm, openingCosine, diphotonMass } from '../../src/reco/calo/index.js';
import { caloOf } from '../calo-design/objective.js';
import { SETUP, histogramEdges } from './setup.js';
import type { EventSample } from './sample.js';

/** Every differentiable input of the chain (tensors). */
export interface ChainParams {
  /** [L] absorber and active thickness per layer [cm]. */
  absorberCm: Tensor;
  activeCm: Tensor;
  /** [] cell size [cm]. */
  cellSizeCm: Tensor;
  /** [L] calibration offsets δ_l: w_l = (1 + δ_l)/(ê f_l). */
  calibration: Tensor;
  /** Theory: resonance mass, width, signal strength, continuum slope and curvature. */
  mass: Tensor;
  width: Tensor;
  mu: Tensor;
  slope: Tensor;
  curvature: Tensor;
}

/** Plain-number version of the chain parameters (uniform layers). */
export interface ChainPoint {
  absorberCm: number;
  activeCm: number;
  cellSizeCm: number;
  calibration?: number[];
  theory?: Partial<Record<keyof typeof SETUP.truth, number>>;
}

/** Tensors of a chain point (inside the caller's tidy). */
export function chainParams(p: ChainPoint): ChainParams {
  const L = caloOf({ absorberCm: 1, activeCm: 1, cellSizeCm: 1 }).design.nLayers;
  const th = { ...SETUP.truth, ...(p.theory ?? {}) };
  return {
    absorberCm: tf.fill([L], p.absorberCm),
    activeCm: tf.fill([L], p.activeCm),
    cellSizeCm: tf.scalar(p.cellSizeCm),
    calibration: p.calibration ? tf.tensor1d(p.calibration) : tf.zeros([L]),
    mass: tf.scalar(th.mass),
    width: tf.scalar(th.width),
    mu: tf.scalar(th.mu),
    slope: tf.scalar(th.slope),
    curvature: tf.scalar(th.curvature),
  };
}

/** Reconstructed events (tensors over the accepted events, signal first). */
export interface ChainEvents {
  massReco: Tensor;
  massTrue: Tensor;
  weight: Tensor;
  /** Continuum weights at curvature ± its systematic (signal weights unchanged). */
  weightShapeUp: Tensor;
  weightShapeDown: Tensor;
  /** Reconstructed photon energies / true energies [2n] (photon 1s, then photon 2s). */
  energyRatio: Tensor;
  /** [2n, L] cluster energies per layer (uncalibrated), for least-squares calibration. */
  clusterLayers: Tensor;
  /** [2n] true photon energies. */
  trueEnergy: Tensor;
  nSignal: number;
}

/** Runs generator → showers → reconstruction → masses for `sample` (tensor level). */
export function chainEvents(p: ChainParams, sample: EventSample): ChainEvents {
  const design = caloOf({ absorberCm: 1, activeCm: 1, cellSizeCm: 1 }).design;
  const opt = { windowGeV: SETUP.windowGeV, nSignal: sample.nSignal, nBackground: sample.nBackground, signalYield: SETUP.signalYield, backgroundYield: SETUP.backgroundYield };
  const theory: DiphotonTheory = { mass: p.mass, width: p.width, mu: p.mu, slope: p.slope, curvature: p.curvature };
  const ev = diphotonEvents(theory, sample.generatorKey, opt);
  const dc = SETUP.systematics.backgroundCurvature;
  const evUp = diphotonEvents({ ...theory, curvature: tf.add(p.curvature, dc) }, sample.generatorKey, opt);
  const evDn = diphotonEvents({ ...theory, curvature: tf.sub(p.curvature, dc) }, sample.generatorKey, opt);
  const idx = tf.tensor1d(sample.accepted, 'int32');
  const n = sample.accepted.length;
  const e1 = tf.gather(ev.e1, idx);
  const e2 = tf.gather(ev.e2, idx);
  const energy = tf.concat([e1, e2]);
  const s = p.cellSizeCm.reshape([]);
  const u = tf.tensor1d(sample.uOffset);
  const v = tf.tensor1d(sample.vOffset);
  const geo = { absorberCm: p.absorberCm, activeCm: p.activeCm, cellSizeCm: s };
  const sim = showerTensors(design, geo, { particle: 'photon', energyGeV: energy, xCm: tf.mul(u, s), yCm: tf.mul(v, s) }, sample.randoms);
  const weights = calibrationWeights(sim.medium.samplingFraction, sim.medium.eHat, p.calibration);
  const ph = reconstructPhotons(sim.visible, s, weights, layerMidDepthCm(p.absorberCm, p.activeCm), {
    radiusCm: tf.mul(s, SETUP.clusterRadiusCells),
    softnessCm: tf.mul(s, SETUP.clusterSoftnessCells),
  });
  const R = SETUP.barrelRadiusCm;
  const theta = tf.tensor1d(Float32Array.from([...sample.theta1, ...sample.theta2]));
  const thetaReco = tf.add(theta, tf.div(tf.mul(tf.sub(ph.xCm, tf.mul(u, s)), tf.sin(theta)), R));
  const dPhi = tf.div(tf.sub(ph.yCm, tf.mul(v, s)), R);
  const half = (t: Tensor, k: number) => tf.slice(t, [k * n], [n]);
  const cosOpen = openingCosine(half(thetaReco, 0), half(dPhi, 0), half(thetaReco, 1), tf.add(half(dPhi, 1), Math.PI));
  const massReco = diphotonMass(half(ph.energyGeV, 0), half(ph.energyGeV, 1), cosOpen);
  return {
    massReco,
    massTrue: tf.gather(ev.mass, idx),
    weight: tf.gather(ev.weight, idx),
    weightShapeUp: tf.gather(evUp.weight, idx),
    weightShapeDown: tf.gather(evDn.weight, idx),
    energyRatio: tf.div(ph.energyGeV, energy),
    clusterLayers: ph.clusterLayers,
    trueEnergy: energy,
    nSignal: sample.nSignalAccepted,
  };
}

/** Signal and continuum templates with their ±1σ variations (each [bins]). */
export interface Templates {
  signal: Tensor;
  background: Tensor;
  /** Per systematic (energy scale, resolution, continuum shape): signal and continuum up/down. */
  signalUp: Tensor[];
  signalDown: Tensor[];
  backgroundUp: Tensor[];
  backgroundDown: Tensor[];
}

/** Names of the systematics in `Templates` order. */
export const SYSTEMATICS = ['energy_scale', 'resolution', 'background_shape'] as const;

/** Soft histograms of the chain's events (tensor level). */
export function templates(ev: ChainEvents): Templates {
  const edges = histogramEdges();
  const h = SETUP.histogram.bandwidthGeV;
  const n = ev.massReco.shape[0];
  const ns = ev.nSignal;
  const part = (t: Tensor, sig: boolean) => (sig ? tf.slice(t, [0], [ns]) : tf.slice(t, [ns], [n - ns]));
  const hist = (m: Tensor, w: Tensor, sig: boolean) => softHistogram(part(m, sig), edges, h, part(w, sig));
  const { energyScale, resolution } = SETUP.systematics;
  const m = ev.massReco;
  const res = (k: number) => tf.add(ev.massTrue, tf.mul(tf.sub(m, ev.massTrue), k));
  const variants = [
    [tf.mul(m, 1 + energyScale), tf.mul(m, 1 - energyScale)],
    [res(1 + resolution), res(1 - resolution)],
  ];
  const signal = hist(m, ev.weight, true);
  const background = hist(m, ev.weight, false);
  return {
    signal,
    background,
    signalUp: [...variants.map(([up]) => hist(up, ev.weight, true)), signal],
    signalDown: [...variants.map(([, dn]) => hist(dn, ev.weight, true)), signal],
    backgroundUp: [...variants.map(([up]) => hist(up, ev.weight, false)), hist(m, ev.weightShapeUp, false)],
    backgroundDown: [...variants.map(([, dn]) => hist(dn, ev.weight, false)), hist(m, ev.weightShapeDown, false)],
  };
}
