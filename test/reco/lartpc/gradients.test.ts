import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { tf, prngKey, type Tensor, type Tree } from '../../../src/autodiff/index.js';
import { checkGrad, formatGradCheck, propertyParams } from '../../../src/autodiff/testing/index.js';
import { reconstructEvents, simulatedHits, principalAxis, dedxProfile, truncatedMeanDedx, takeEntries, takeRows, type RecoTensors, type RecoPlan } from '../../../src/reco/lartpc/index.js';
import { config, recoCfg, muon, simulateHits, recoTensors, concatHits } from './helpers.js';
import { trackSegments, concatSegments } from '../../../src/sim/lartpc/index.js';

/** A weighted sum of all features, so every feature's gradient is checked at once. */
function featureSum(f: ReturnType<typeof reconstructEvents>['features']): Tensor {
  return tf.addN([
    tf.mul(tf.sum(f.energyMeV), 1e-2),
    tf.mul(tf.sum(f.extentCm), 0.1),
    tf.mul(tf.sum(f.rmsLengthCm), 0.1),
    tf.sum(f.principalFraction),
    tf.sum(f.transverseRmsCm),
    tf.sum(f.meanDedx),
    tf.sum(f.showerFraction),
    tf.sum(tf.mul(f.direction, tf.tensor2d([[0.3, 1, -0.7]]))),
  ]);
}

describe('lartpc reconstruction gradients', () => {
  it('features: autodiff = finite differences in the calibration constants and the geometry (property over tracks, plan held)', () => {
    const c = config();
    const cfg = recoCfg(c);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (s) => {
        const u = prngKey(s).uniforms(6);
        const mu = muon([-10 + 20 * u[0], -40 + 20 * u[1], 5 + 20 * u[2]], [u[3] - 0.5, 1, u[4] - 0.5], 12);
        const pr = trackSegments({ particle: 'proton', start: [mu.x_start[0], mu.y_start[0], mu.z_start[0]], direction: [1, -0.2, 0.3], kineticMeV: 60 + 60 * u[5], maxLengthCm: 30, stepCm: 0.5 });
        const { hits, sim } = simulateHits(concatSegments([mu, pr]), { key: s });
        const base = recoTensors();
        let plan: RecoPlan | undefined;
        tf.tidy(() => {
          plan = reconstructEvents(hits, base, sim.geometry, cfg, 1).plan;
        });
        const f = (p: Tree<Tensor>) => {
          const q = p as Record<string, Tensor>;
          const rt: RecoTensors = { calibration: { ...base.calibration, lifetime: q.lifetime, vdrift: q.vdrift, Ab: q.Ab, kb: q.kb }, selection: { ...base.selection, threshold: q.thr } };
          return featureSum(reconstructEvents(hits, rt, { ...sim.geometry, pitch: q.pitch }, cfg, 1, plan).features);
        };
        const r = checkGrad(f, { lifetime: 2200, vdrift: 0.1597, Ab: 0.8, kb: 0.0486, thr: 3000, pitch: 0.4434 }, { eps: 1e-3, rtol: 3e-2, atol: 1e-4, richardson: true });
        tf.dispose([hits.charge, hits.weight]);
        assert.ok(r.ok, formatGradCheck(r));
      }),
      propertyParams(2, 21),
    );
  });

  it('simulation → reconstruction: autodiff = finite differences in the detector lifetime, threshold and pitch (noise on, schedule and plan held)', () => {
    const c = config();
    const cfg = recoCfg(c);
    const seg = concatSegments([muon([-3, -30, 14], [0.4, 1, -0.2], 14), trackSegments({ particle: 'proton', start: [-3, -30, 14], direction: [-1, 0.1, 0.4], kineticMeV: 80, maxLengthCm: 30, stepCm: 0.5 })]);
    const { ev, sim } = simulateHits(seg, { key: 77 });
    const rt = recoTensors();
    let plan: RecoPlan | undefined;
    tf.tidy(() => {
      plan = reconstructEvents(simulatedHits(ev, sim, c), rt, sim.geometry, cfg, 1).plan;
    });
    const f = (p: Tree<Tensor>) => {
      const q = p as Record<string, Tensor>;
      const s2 = { ...sim, drift: { ...sim.drift, lifetime: q.lifetime }, geometry: { ...sim.geometry, pitch: q.pitch }, electronics: { ...sim.electronics, threshold: q.threshold } };
      return featureSum(reconstructEvents(simulatedHits(ev, s2, c), rt, s2.geometry, cfg, 1, plan).features);
    };
    // lifetime and threshold with relative steps; the pitch moves every pixel edge by (index × step), so its step is tiny
    const r1 = checkGrad(f, { lifetime: 2200, threshold: 7000, pitch: 0.4434 }, { eps: 1e-3, rtol: 3e-2, atol: 1e-4, richardson: true, scale: (n) => (n === 'pitch' ? 1e-9 : 1) });
    assert.ok(r1.entries.filter((e) => e.name !== 'pitch').every((e) => e.ok), formatGradCheck(r1));
    const r2 = checkGrad((p) => f({ ...(p as Record<string, Tensor>), lifetime: tf.scalar(2200), threshold: tf.scalar(7000) }), { pitch: 0.4434 }, { eps: 2e-6, rtol: 3e-2, atol: 1e-3, richardson: true });
    assert.ok(r2.ok, formatGradCheck(r2));
  });

  it('principal axis and dE/dx profile: autodiff = finite differences in the points and weights', () => {
    const pts = tf.tensor2d([0, 0, 0, 1, 0.2, 0.1, 2.1, 0.3, -0.1, 2.9, 0.7, 0.2, 4.2, 0.8, 0.1, 5, 1.1, -0.2], [6, 3]);
    const f = (p: Tree<Tensor>) => {
      const q = p as Record<string, Tensor>;
      const ax = principalAxis(q.x, q.w, [1, 0, 0]);
      const prof = dedxProfile(ax.projection, q.w, -4, 4, 1);
      return tf.addN([ax.lambda1, tf.sum(tf.mul(ax.direction, tf.tensor1d([0.2, 1, 0.5]))), ax.transverseRms, tf.sum(tf.mul(prof, tf.linspace(0.5, 1.5, 8))), truncatedMeanDedx(prof)]);
    };
    const r = checkGrad(f, { x: pts, w: tf.tensor1d([1, 2, 1.5, 1, 3, 1]) }, { eps: 1e-3, rtol: 2e-2, atol: 1e-4, richardson: true });
    assert.ok(r.ok, formatGradCheck(r));
  });

  it('takeEntries / takeRows: slices for contiguous indices, scatter-gradient gathers otherwise; autodiff = finite differences', () => {
    const x = tf.tensor2d([0.5, -1, 2, 0.3, 1.5, -0.7, 0.9, 1.1, -0.2, 0.4, 0.8, -1.3], [4, 3]);
    const w = tf.tensor2d([1, 2, -1, 0.5, 0.3, 1.2], [2, 3]);
    for (const idx of [Int32Array.from([1, 2]), Int32Array.from([3, 0])]) {
      const f = (p: Tree<Tensor>) => {
        const q = (p as Record<string, Tensor>).x;
        return tf.add(tf.sum(tf.mul(takeRows(q, idx), w)), tf.sum(tf.square(takeEntries(q.reshape([-1]), Int32Array.from([idx[0], 7, 11])))));
      };
      const r = checkGrad(f, { x }, { eps: 1e-3, rtol: 1e-2 });
      assert.ok(r.ok, formatGradCheck(r));
    }
    assert.deepEqual(Array.from(takeRows(x, Int32Array.from([3, 0])).dataSync()), [0.4, 0.8, -1.3, 0.5, -1, 2].map(Math.fround));
    tf.dispose([x, w]);
  });

  it('no tensors are left behind by a reconstruction inside tidy', () => {
    const { hits, sim } = simulateHits(muon([0, -30, 12], [0.3, 1, 0.2], 10));
    const cfg = recoCfg(config());
    const rt = recoTensors();
    const run = () => tf.tidy(() => reconstructEvents(hits, rt, sim.geometry, cfg, 1).features.energyMeV.dataSync()[0]);
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    assert.equal(tf.memory().numTensors, before);
  });

  it('bad inputs name the field', () => {
    const { hits, sim } = simulateHits(muon([0, -30, 12], [0.3, 1, 0.2], 5));
    const cfg = recoCfg(config());
    assert.throws(() => tf.tidy(() => void reconstructEvents(hits, recoTensors(), sim.geometry, cfg, 0)), /nEvents/);
    const bad = { ...hits, event: new Int32Array(hits.event.length).fill(3) };
    assert.throws(() => tf.tidy(() => void reconstructEvents(bad, recoTensors(), sim.geometry, cfg, 2)), /hits\.event\[0\]/);
    const badTpc = { ...hits, tpc: new Int32Array(hits.tpc.length).fill(5) };
    assert.throws(() => tf.tidy(() => void reconstructEvents(badTpc, recoTensors(), sim.geometry, cfg, 1)), /hits\.tpc\[0\]/);
    void concatHits;
  });
});
