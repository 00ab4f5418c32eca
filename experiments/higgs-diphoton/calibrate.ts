/**
 * Calibration of the per-layer weights from the chain itself: the
 * least-squares weights (calo-design's `leastSquaresWeights`, minimizing
 * Σ (E_rec/E − 1)² with a small ridge towards 1/(ê f_l)) fitted to the
 * cluster layer energies of the photons of a calibration sample, returned as
 * offsets δ_l = w_l ê f_l − 1. Used to start the chain at a calibrated point
 * and to calibrate every design the same way before comparing significances.
 */
import { tf } from '../../src/autodiff/index.js';
import { leastSquaresWeights, effectiveMedium } from '../../src/sim/calo/index.js';
import { caloOf } from '../calo-design/objective.js';
import { chainEvents, chainParams, type ChainPoint } from './chain.js';
import type { EventSample } from './sample.js';

/** Ridge of the least-squares fit towards the sampling-fraction weights (relative to the data's scale): keeps the weights of layers with little signal from fitting noise. */
const RIDGE = 1e-2;

/** Least-squares calibration offsets δ_l for design `p` on the photons of `sample`. */
export function calibrationOffsets(p: ChainPoint, sample: EventSample): number[] {
  const design = caloOf({ absorberCm: 1, activeCm: 1, cellSizeCm: 1 }).design;
  const L = design.nLayers;
  const { layers, energy, fe } = tf.tidy(() => {
    const cp = chainParams({ ...p, calibration: undefined });
    const ev = chainEvents(cp, sample);
    const m = effectiveMedium(design, { absorberCm: cp.absorberCm, activeCm: cp.activeCm, cellSizeCm: cp.cellSizeCm });
    return { layers: ev.clusterLayers.dataSync() as Float32Array, energy: Array.from(ev.trueEnergy.dataSync()), fe: Array.from(m.samplingFraction.dataSync(), (f) => f * m.eHat) };
  });
  const w = leastSquaresWeights(layers, energy, L, fe.map((x) => 1 / x), RIDGE);
  return w.map((wl, l) => wl * fe[l] - 1);
}
