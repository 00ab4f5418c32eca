/**
 * Calorimeter simulation throughput: 10 GeV electrons in a 30-layer Pb/LAr
 * sampling calorimeter (2 + 4 mm, 7 × 7 cells, 2 depth slices per layer), a
 * batch of 500 showers: forward (per-cell output), forward + backward
 * (gradient of the visible energy with respect to the 60 thicknesses and the
 * cell size), and the layer-sum mode used by the design study. Reference in
 * the same run: a 256 × 256 × 256 matMul.
 */
import { tf, prngKey, type Tensor } from '../src/autodiff/index.js';
import { calorimeter, caloTensors, drawShowerRandoms, showerTensors } from '../src/sim/calo/index.js';
import { timeMs, type BenchRow } from './types.js';

export const title = 'calorimeter simulation (10 GeV e−, 30 layers Pb/LAr, 7×7 cells)';

export async function run(): Promise<BenchRow[]> {
  const B = 500;
  const calo = calorimeter({ absorber: 'Pb', active: 'LAr', nLayers: 30, absorberCm: 0.2, activeCm: 0.4, cellSizeCm: 2, cellsPerSide: 7, subSlices: 2 });
  const d = calo.design;
  const randoms = drawShowerRandoms(prngKey(1), B, d);
  const energy = tf.fill([B], 10);
  const geo = caloTensors(calo);
  const fwd = (output: 'cells' | 'layers') => () =>
    tf.tidy(() => {
      showerTensors(d, geo, { particle: 'electron', energyGeV: energy }, randoms, { output }).visibleLayers.dataSync();
    });
  const fwdBwd = () =>
    tf.tidy(() => {
      const gs = tf.grads((a: Tensor, g: Tensor, s: Tensor) => tf.sum(showerTensors(d, { absorberCm: a, activeCm: g, cellSizeCm: s }, { particle: 'electron', energyGeV: energy }, randoms).visibleLayers))([geo.absorberCm, geo.activeCm, geo.cellSizeCm]);
      gs.forEach((x) => x.dataSync());
    });
  const a = tf.randomNormal([256, 256], 0, 1, 'float32', 1);
  const refMs = timeMs(() => tf.tidy(() => void tf.matMul(a, a).dataSync()), 10, 2);
  const fMs = timeMs(fwd('cells'), 5, 1);
  const fbMs = timeMs(fwdBwd, 3, 1);
  const lMs = timeMs(fwd('layers'), 5, 1);
  a.dispose();
  energy.dispose();
  [geo.absorberCm, geo.activeCm, geo.cellSizeCm].forEach((t) => t.dispose());
  return [
    { name: 'reference: 256³ matMul', value: refMs.toFixed(2), unit: 'ms' },
    { name: 'forward, per-cell output', value: Math.round((B / fMs) * 1000), unit: 'showers/s', note: `${fMs.toFixed(0)} ms per 500; ${(fMs / refMs).toFixed(0)}× reference` },
    { name: 'forward + backward (61 geometry gradients)', value: Math.round((B / fbMs) * 1000), unit: 'showers/s', note: `${fbMs.toFixed(0)} ms per 500; ${(fbMs / refMs).toFixed(0)}× reference; ${(fbMs / fMs).toFixed(1)}× forward` },
    { name: 'forward, layer sums only', value: Math.round((B / lMs) * 1000), unit: 'showers/s', note: `${lMs.toFixed(0)} ms per 500; ${(lMs / refMs).toFixed(0)}× reference` },
  ];
}
