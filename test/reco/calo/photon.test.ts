import { strict as assert } from 'node:assert';
import { tf, prngKey } from '../../../src/autodiff/index.js';
import { assertGradClose } from '../../../src/autodiff/testing/index.js';
import { calorimeter, drawShowerRandoms, showerTensors } from '../../../src/sim/calo/index.js';
import { reconstructPhotons, calibrationWeights, layerMidDepthCm } from '../../../src/reco/calo/index.js';

const calo = calorimeter({ absorber: 'Pb', active: 'Scintillator', nLayers: 20, absorberCm: 0.46, activeCm: 0.35, cellSizeCm: 2.74, cellsPerSide: 5, photoelectronsPerGeV: 2000, noiseMeVPerCm: 0.03 });
const L = 20;

function reco(p: { a: tf.Tensor; g: tf.Tensor; s: tf.Tensor; d: tf.Tensor; x: tf.Tensor }, energies: number[], key: number) {
  const B = energies.length;
  const randoms = drawShowerRandoms(prngKey(key), B, calo.design);
  const geo = { absorberCm: tf.mul(tf.ones([L]), p.a), activeCm: tf.mul(tf.ones([L]), p.g), cellSizeCm: p.s.reshape([]) };
  const sim = showerTensors(calo.design, geo, { particle: 'photon', energyGeV: tf.tensor1d(energies), xCm: p.x, yCm: tf.mul(p.x, -0.5) }, randoms);
  const w = calibrationWeights(sim.medium.samplingFraction, sim.medium.eHat, p.d);
  return reconstructPhotons(sim.visible, geo.cellSizeCm, w, layerMidDepthCm(geo.absorberCm, geo.activeCm));
}

describe('reco/calo photon reconstruction on simulated showers', () => {
  it('energy response is stable across energies, the log-weighted position resolves the impact point, no tensor leaks', () => {
    const before = tf.memory().numTensors;
    const B = 40;
    const xs = Array.from(prngKey(3).uniforms(B), (u) => (u - 0.5) * 2.74);
    const out = tf.tidy(() => {
      const r = reco({ a: tf.scalar(0.46), g: tf.scalar(0.35), s: tf.scalar(2.74), d: tf.zeros([L]), x: tf.tensor1d(xs) }, Array.from({ length: B }, (_, i) => (i < B / 2 ? 30 : 90)), 5);
      return { e: Array.from(r.energyGeV.dataSync()), x: Array.from(r.xCm.dataSync()), y: Array.from(r.yCm.dataSync()) };
    });
    assert.equal(tf.memory().numTensors, before);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    const r30 = mean(out.e.slice(0, B / 2)) / 30;
    const r90 = mean(out.e.slice(B / 2)) / 90;
    // Sampling-fraction weights recover 80-90 % (leakage and the cluster's lateral window), nearly energy-independent.
    assert.ok(r30 > 0.75 && r30 < 0.95 && r90 > 0.75 && r90 < 0.95 && Math.abs(r30 - r90) < 0.06, `response ${r30} ${r90}`);
    const dx = out.x.map((v, i) => v - xs[i]);
    const dy = out.y.map((v, i) => v + 0.5 * xs[i]);
    const rms = Math.sqrt(mean(dx.map((v) => v * v)));
    assert.ok(rms < 0.25 * 2.74, `position rms ${rms} cm for 2.74 cm cells`);
    assert.ok(Math.sqrt(mean(dy.map((v) => v * v))) < 0.25 * 2.74);
  });

  it('reconstructed energy and position: gradients in thicknesses, cell size, calibration and impact point vs finite differences (common random numbers)', () => {
    const energies = [25, 60, 110];
    assertGradClose((p) => {
      const q = p as Record<string, tf.Tensor>;
      const r = reco({ a: q.a, g: q.g, s: q.s, d: q.d, x: q.x }, energies, 7);
      return tf.add(tf.sum(tf.mul(r.energyGeV, tf.tensor1d([0.3, 0.2, 0.1]))), tf.mul(4, tf.sum(tf.mul(r.xCm, tf.tensor1d([1, -1, 0.5])))));
    }, { a: 0.46, g: 0.35, s: 2.74, d: tf.tensor1d(Array.from({ length: L }, (_, i) => 0.01 * (i % 5))), x: tf.tensor1d([0.3, -0.8, 1.1]) }, { eps: 2e-3, rtol: 3e-2, atol: 2e-3, maxElements: 26, seed: 4 });
  });
});
