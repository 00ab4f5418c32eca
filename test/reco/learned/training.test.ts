import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, prngKey, ParamSet, adam, DomainError } from '../../../src/autodiff/index.js';
import { calorimeter } from '../../../src/sim/calo/index.js';
import {
  showerSample,
  sampleEnergies,
  setNetwork,
  imageNetwork,
  squaredErrorLoss,
  logisticLoss,
  trainOnBatches,
  minibatchIndices,
  predict,
  concatInputs,
  rocAuc,
  CELL_FEATURES,
  STUDY_CALORIMETER,
  type HostInputs,
} from '../../../src/reco/learned/index.js';

const calo = calorimeter(STUDY_CALORIMETER);
const opts = { sets: { sections: 6, maxCells: 32 }, images: { sections: 6 } };

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

describe('reco/learned training', function () {
  this.timeout(300000);
  const energies = sampleEnergies({ minGeV: 1, maxGeV: 20, index: 1 }, 240, prngKey(21));
  const sample = showerSample(calo, 'electron', energies, prngKey(22), opts);
  const target = { data: Float32Array.from(sample.energyGeV, (e) => e / 7), shape: [240] };
  const setNet = setNetwork({ inDim: CELL_FEATURES, phi: [16, 16], rho: [16], outDim: 1 });
  const setData: HostInputs = { features: sample.inputs.features, mask: sample.inputs.mask, target };
  const setLoss = (p: Parameters<typeof setNet.apply>[0], b: Record<string, tf.Tensor>) => squaredErrorLoss(setNet.apply(p, b), b.target);

  it('minibatches: distinct indices, reproducible from the key, all events when the batch is larger', () => {
    const a = minibatchIndices(100, 30, prngKey(1).fold(3));
    assert.equal(new Set(a).size, 30);
    assert.ok(a.every((i) => i >= 0 && i < 100));
    assert.deepEqual(Array.from(a), Array.from(minibatchIndices(100, 30, prngKey(1).fold(3))));
    assert.notDeepEqual(Array.from(a), Array.from(minibatchIndices(100, 30, prngKey(1).fold(4))));
    assert.deepEqual(Array.from(minibatchIndices(5, 9, prngKey(1))), [0, 1, 2, 3, 4]);
    assert.throws(() => minibatchIndices(5, 0, prngKey(1)), (e: Error) => e instanceof DomainError && /batchSize/.test(e.message));
  });

  it('Deep Sets energy regression on showers: the loss falls, a second run with the seed is identical, memory stays flat', () => {
    const run = () => trainOnBatches({ params: new ParamSet(setNet.init(prngKey(23))), data: setData, batchSize: 64, steps: 80, key: prngKey(24), optimizer: adam({ learningRate: 3e-3 }), loss: setLoss });
    const before = tf.memory().numTensors;
    const r1 = run();
    const pred = predict(setNet, r1.params, { features: sample.inputs.features, mask: sample.inputs.mask });
    assert.equal(tf.memory().numTensors, before, 'training and prediction leave no tensor behind');
    const losses = r1.history.map((h) => h.loss);
    assert.ok(mean(losses.slice(-10)) < 0.5 * mean(losses.slice(0, 10)), `loss ${mean(losses.slice(0, 10))} → ${mean(losses.slice(-10))}`);
    assert.equal(pred.length, 240);
    const r2 = run();
    assert.deepEqual(Array.from(r2.params.unconstrainedVector()), Array.from(r1.params.unconstrainedVector()));
    assert.deepEqual(r2.history, r1.history);
  });

  it('an interrupted run resumes from its checkpoint to the same parameters', () => {
    const dir = mkdtempSync(join(tmpdir(), 'learned-ck-'));
    try {
      const path = join(dir, 'ck.json');
      const base = { data: setData, batchSize: 32, key: prngKey(25), loss: setLoss };
      const full = trainOnBatches({ ...base, params: new ParamSet(setNet.init(prngKey(26))), steps: 30, optimizer: adam({ learningRate: 3e-3 }) });
      // Stopped after 12 steps (as a killed job would be, its last checkpoint written) …
      trainOnBatches({ ...base, params: new ParamSet(setNet.init(prngKey(26))), steps: 30, optimizer: adam({ learningRate: 3e-3 }), checkpoint: { path, every: 4 }, callback: (i) => (i.step === 11 ? 'stop' : undefined) });
      assert.ok(existsSync(path));
      // … and resumed.
      const resumed = trainOnBatches({ ...base, params: new ParamSet(setNet.init(prngKey(26))), steps: 30, optimizer: adam({ learningRate: 3e-3 }), checkpoint: { path, every: 4 } });
      assert.equal(resumed.resumedFrom, 12);
      const a = full.params.unconstrainedVector();
      const b = resumed.params.unconstrainedVector();
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      assert.ok(worst < 1e-6, `largest parameter difference ${worst}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('CNN energy regression on calorimeter images: the loss falls with flat memory', () => {
    const net = imageNetwork({ size: 7, channels: 6, conv: [8, 8], dense: [16], outDim: 1 });
    const before = tf.memory().numTensors;
    const r = trainOnBatches({ params: new ParamSet(net.init(prngKey(27))), data: { images: sample.inputs.images, target }, batchSize: 64, steps: 60, key: prngKey(28), optimizer: adam({ learningRate: 3e-3 }), loss: (p, b) => squaredErrorLoss(net.apply(p, b), b.target) });
    assert.equal(tf.memory().numTensors, before);
    const losses = r.history.map((h) => h.loss);
    assert.ok(mean(losses.slice(-10)) < 0.5 * mean(losses.slice(0, 10)), `loss ${mean(losses.slice(0, 10))} → ${mean(losses.slice(-10))}`);
  });

  it('electron/photon identification: both classifiers separate held-out showers (AUC > 0.6 after a short training)', () => {
    const n = 200;
    const make = (particle: 'electron' | 'photon', seed: number) => showerSample(calo, particle, sampleEnergies({ minGeV: 1, maxGeV: 20, index: 1 }, n, prngKey(seed)), prngKey(seed + 1), opts);
    const train = concatInputs([make('electron', 30).inputs, make('photon', 32).inputs]);
    const test = concatInputs([make('electron', 34).inputs, make('photon', 36).inputs]);
    const labels = { data: Float32Array.from({ length: 2 * n }, (_, i) => (i < n ? 1 : 0)), shape: [2 * n] };
    const nets = [setNetwork({ inDim: CELL_FEATURES, phi: [16, 16], rho: [16], outDim: 1 }), imageNetwork({ size: 7, channels: 6, conv: [8, 8], dense: [16], outDim: 1 })];
    for (const net of nets) {
      const r = trainOnBatches({ params: new ParamSet(net.init(prngKey(38))), data: { ...train, label: labels }, batchSize: 64, steps: 150, key: prngKey(39), optimizer: adam({ learningRate: 3e-3 }), loss: (p, b) => logisticLoss(net.apply(p, b), b.label) });
      const auc = rocAuc(predict(net, r.params, test), labels.data);
      assert.ok(auc > 0.6, `${net.name}: AUC ${auc}`);
    }
  });

  it('bad training input is named: mismatched event counts, NaN targets, non-integer batch size', () => {
    const bad = Float32Array.from(target.data);
    bad[17] = NaN;
    assert.throws(() => trainOnBatches({ params: new ParamSet(setNet.init(prngKey(1))), data: { ...setData, target: { data: bad, shape: [240] } }, batchSize: 8, steps: 1, key: prngKey(1), loss: setLoss }), (e: Error) => /data.target\[event 17, element 0\]/.test(e.message) && /NaN/.test(e.message));
    assert.throws(() => trainOnBatches({ params: new ParamSet(setNet.init(prngKey(1))), data: { ...setData, target: { data: new Float32Array(10), shape: [10] } }, batchSize: 8, steps: 1, key: prngKey(1), loss: setLoss }), (e: Error) => /data.target/.test(e.message));
    assert.throws(() => trainOnBatches({ params: new ParamSet(setNet.init(prngKey(1))), data: setData, batchSize: 2.5, steps: 1, key: prngKey(1), loss: setLoss }), (e: Error) => e instanceof DomainError && /batchSize/.test(e.message) && /2.5/.test(e.message));
  });
});
