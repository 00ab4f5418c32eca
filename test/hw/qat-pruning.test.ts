/**
 * Magnitude pruning on the Zhu-Gupta polynomial schedule: the schedule's
 * values, the masks (smallest magnitudes, pruned stay pruned), and training:
 * the sparsity in effect at every step is the schedule's at the last mask
 * update, the final sparsity is the target, and pruned weights are exactly
 * zero in the returned parameters and in the exported IR.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainError } from '../../src/autodiff/index.js';
import { propertyParams } from '../../src/autodiff/testing/index.js';
import { irFromQat, isMaskUpdateStep, magnitudeMask, targetSparsity, trainClassifier, uniformLayerQuant, type LayerQuant } from '../../src/hw/qat/index.js';
import { ringTask } from './qat.test.js';

describe('hw QAT: magnitude pruning schedule', () => {
  it('polynomial decay s_t = s_f + (s_i - s_f)(1 - (t - t0)/(n dt))^3 and its update steps', () => {
    const s = { initialSparsity: 0.1, finalSparsity: 0.8, beginStep: 10, endStep: 110, frequency: 25 };
    assert.equal(targetSparsity(s, 0), 0.1);
    assert.equal(targetSparsity(s, 10), 0.1);
    assert.ok(Math.abs(targetSparsity(s, 60) - (0.8 + (0.1 - 0.8) * 0.5 ** 3)) < 1e-15);
    assert.ok(Math.abs(targetSparsity(s, 35) - (0.8 - 0.7 * 0.75 ** 3)) < 1e-15);
    assert.equal(targetSparsity(s, 110), 0.8);
    assert.equal(targetSparsity(s, 500), 0.8);
    const steps = Array.from({ length: 200 }, (_, t) => t).filter((t) => isMaskUpdateStep(s, t));
    assert.deepEqual(steps, [10, 35, 60, 85, 110]);
    assert.throws(() => targetSparsity({ finalSparsity: 0.5, beginStep: 20, endStep: 20 }, 0), (e: unknown) => e instanceof DomainError && e.field === 'pruning.endStep');
  });

  it('masks prune the smallest magnitudes and keep pruned weights pruned', () => {
    const w = [0.5, -0.1, 0.05, -2, 0.3, 0.01];
    assert.deepEqual(Array.from(magnitudeMask(w, 0.5)), [1, 0, 0, 1, 1, 0]);
    // A previously pruned large weight stays pruned (magnitude 0 in the ranking).
    const old = Float32Array.from([1, 1, 1, 0, 1, 1]);
    assert.deepEqual(Array.from(magnitudeMask(w, 1 / 3, old)), [1, 1, 1, 0, 1, 0]);
    assert.deepEqual(Array.from(magnitudeMask(w, 0)), [1, 1, 1, 1, 1, 1]);
  });

  it('masks (property): exactly round(s N) pruned, every pruned magnitude <= every kept one, pruned stay pruned as s grows', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 1, maxLength: 40 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (w, a, b) => {
        const [s1, s2] = a <= b ? [a, b] : [b, a];
        const m1 = magnitudeMask(w, s1);
        const m2 = magnitudeMask(w, s2, m1);
        for (const [m, s] of [[m1, s1], [m2, s2]] as const) {
          assert.equal(m.filter((v) => v === 0).length, Math.round(s * w.length));
        }
        const maxPruned = Math.max(0, ...w.filter((_, i) => m1[i] === 0).map(Math.abs));
        const minKept = Math.min(Infinity, ...w.filter((_, i) => m1[i] === 1).map(Math.abs));
        assert.ok(maxPruned <= minKept);
        m1.forEach((v, i) => v === 0 && assert.equal(m2[i], 0));
      }),
      propertyParams(200, 51),
    );
  });

  it('training follows the schedule step by step; pruned weights are exactly zero after training and in the IR', () => {
    const tr = ringTask(800, 3);
    const va = ringTask(400, 4);
    const sizes = [4, 16, 16, 3];
    const schedule = { finalSparsity: 0.75, beginStep: 10, endStep: 110, frequency: 20 };
    const r = trainClassifier({
      sizes, x: tr.x, y: tr.y, xVal: va.x, yVal: va.y, epochs: 10, batchSize: 50, learningRate: 0.01, seed: 2,
      quant: uniformLayerQuant(3, { width: 8, weightInteger: 2, resultInteger: 4 }), inputType: 'ap_fixed<8,3,AP_RND,AP_SAT>', pruning: schedule,
    });
    assert.equal(r.history.length, 160);
    const counts = sizes.slice(0, -1).map((a, i) => a * sizes[i + 1]);
    const total = counts.reduce((a, b) => a + b, 0);
    let lastUpdate = -1;
    for (const h of r.history) {
      if (isMaskUpdateStep(schedule, h.step)) lastUpdate = h.step;
      const s = lastUpdate < 0 ? 0 : targetSparsity(schedule, lastUpdate);
      const want = counts.reduce((acc, n) => acc + Math.round(s * n), 0) / total;
      assert.equal(h.sparsity, want, `step ${h.step}`);
    }
    assert.ok(r.masks);
    r.masks.forEach((m, i) => assert.equal(m.filter((v) => v === 0).length, Math.round(0.75 * counts[i]), `layer ${i}`));
    r.params.layers.forEach((l, i) => l.w.flat().forEach((v, k) => r.masks![i][k] === 0 && assert.equal(v, 0, `layer ${i} weight ${k}`)));
    const ir = irFromQat(r.params, r.quant as LayerQuant[], r.inputType);
    let zeros = 0;
    ir.layers.forEach((l) => {
      if (l.kind !== 'dense') return;
      const i = Number(l.name.slice(2));
      l.weights.forEach((row, a) => row.forEach((w, b) => {
        if (r.masks![i][a * l.nOut + b] === 0) assert.equal(w, 0n);
        if (w === 0n) zeros++;
      }));
    });
    assert.ok(zeros >= counts.reduce((a, n) => a + Math.round(0.75 * n), 0), `${zeros} zero weights in the IR`);
    assert.ok(r.valAccuracy! > 0.8, `val accuracy at 75 % sparsity ${r.valAccuracy}`);
  });
});
