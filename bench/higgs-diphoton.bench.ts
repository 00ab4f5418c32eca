/**
 * Throughput of the higgs-diphoton chain (generator → two photon showers per
 * event in the 20-layer Pb/scintillator calorimeter with 5 × 5 cells →
 * clustering, calibration, log-weighted position → diphoton mass → soft
 * histograms of signal, continuum and 3 × 2 systematic variations → Asimov
 * significance through the profiled fit): events per second of the forward
 * pass and of the forward pass with the gradient of Z with respect to every
 * parameter (40 layer thicknesses, the cell size, 20 calibration offsets and
 * 5 theory parameters). Reference in the same run: a 256 × 256 × 256 matMul
 * and the bare shower simulation of the same photons.
 */
import { tf, prngKey, valueAndGrad, type Tensor } from '../src/autodiff/index.js';
import { showerTensors } from '../src/sim/calo/index.js';
import { eventSample } from '../experiments/higgs-diphoton/sample.js';
import { chainParams } from '../experiments/higgs-diphoton/chain.js';
import { significanceOfTree, treeOf, type ChainTree } from '../experiments/higgs-diphoton/significance.js';
import { RESOLUTION_OPTIMUM } from '../experiments/higgs-diphoton/setup.js';
import { caloOf } from '../experiments/calo-design/objective.js';
import { timeMs, type BenchRow } from './types.js';

export const title = 'higgs-diphoton chain (2 showers per event, 20 layers Pb/scintillator, 5×5 cells)';

export async function run(): Promise<BenchRow[]> {
  const sample = eventSample(prngKey(1), 300, 600);
  const n = sample.accepted.length;
  const point = { ...RESOLUTION_OPTIMUM };
  const forward = () => tf.tidy(() => void significanceOfTree(chainParams(point) as ChainTree, sample).dataSync());
  const tree = treeOf(point);
  const withGrad = () => void valueAndGrad((p) => significanceOfTree(p as ChainTree, sample))(tree as never);
  const design = caloOf(point).design;
  const showersOnly = () =>
    tf.tidy(() => {
      const c = chainParams(point);
      const e = tf.fill([2 * n], 60);
      showerTensors(design, { absorberCm: c.absorberCm, activeCm: c.activeCm, cellSizeCm: c.cellSizeCm }, { particle: 'photon', energyGeV: e }, sample.randoms).visible.dataSync();
    });
  const a = tf.randomNormal([256, 256], 0, 1, 'float32', 1);
  const refMs = timeMs(() => tf.tidy(() => void tf.matMul(a, a).dataSync()), 10, 2);
  const sMs = timeMs(showersOnly, 3, 1);
  const fMs = timeMs(forward, 3, 1);
  const gMs = timeMs(withGrad, 3, 1);
  a.dispose();
  Object.values(tree).forEach((v) => typeof v !== 'number' && (v as Tensor).dispose());
  return [
    { name: 'reference: 256³ matMul', value: refMs.toFixed(2), unit: 'ms' },
    { name: `showers only (${2 * n} photons)`, value: Math.round((n / sMs) * 1000), unit: 'events/s', note: `${sMs.toFixed(0)} ms; ${(sMs / refMs).toFixed(0)}× reference` },
    { name: `chain forward to Z (${n} events)`, value: Math.round((n / fMs) * 1000), unit: 'events/s', note: `${fMs.toFixed(0)} ms; ${(fMs / refMs).toFixed(0)}× reference; ${(fMs / sMs).toFixed(2)}× showers only` },
    { name: 'chain forward + gradient of Z (66 parameters)', value: Math.round((n / gMs) * 1000), unit: 'events/s', note: `${gMs.toFixed(0)} ms; ${(gMs / refMs).toFixed(0)}× reference; ${(gMs / fMs).toFixed(1)}× forward` },
  ];
}
