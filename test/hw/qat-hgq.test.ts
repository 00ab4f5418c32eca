/**
 * HGQ trainable bit widths: the quantizer's value and its straight-through /
 * surrogate gradients, the EBOPs penalty and its gradient, the accuracy /
 * resource trade-off as beta grows, and the export to per-layer types that
 * reproduces the trained network bit for bit.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { grad, tf, type Tensor } from '../../src/autodiff/index.js';
import { propertyParams } from '../../src/autodiff/testing/index.js';
import { fracBits, fromNumber, type FixedType } from '../../src/hw/fixed/ap-fixed.js';
import { emulate } from '../../src/hw/emulate/emulator.js';
import { fakeQuant } from '../../src/hw/qat/fake-quant.js';
import { asFixedType, checkHgq, hgqForward, hgqQuantize, irFromQat, qatMlpForward, trainClassifier, type LayerQuant } from '../../src/hw/qat/index.js';
import { ringTask, rowsOf } from './qat.test.js';

describe('hw QAT: HGQ bit widths', () => {
  it('quantizer: value round-half-up to 2^-round(f); gradient 1 in x and -ln2 (q - x) in f (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -20000, max: 20000 }), { minLength: 8, maxLength: 8 }),
        fc.array(fc.double({ min: -3, max: 9, noNaN: true }), { minLength: 8, maxLength: 8 }),
        fc.array(fc.integer({ min: -16, max: 16 }), { minLength: 8, maxLength: 8 }),
        (ints, f0, c0) => {
          const x = ints.map((k) => k / 1024);
          const f = f0.map(Math.fround);
          const c = c0.map((k) => k / 8);
          const q = tf.tidy(() => hgqQuantize(tf.tensor1d(x), tf.tensor1d(f)).arraySync() as number[]);
          x.forEach((v, i) => {
            // Round half up at step 2^-round(f) (exact in doubles: x = k/1024, |f| <= 9).
            const fr = Math.floor(f[i] + 0.5);
            assert.equal(q[i], Math.floor(v * 2 ** fr + 0.5) * 2 ** -fr, `x=${v} f=${f[i]}`);
          });
          const g = grad((p) => {
            const { x: xt, f: ft } = p as { x: Tensor; f: Tensor };
            return tf.sum(tf.mul(hgqQuantize(xt, ft), tf.tensor1d(c)));
          })({ x: tf.tensor1d(x), f: tf.tensor1d(f) }) as { x: number[]; f: number[] };
          x.forEach((v, i) => {
            assert.equal(g.x[i], c[i]);
            assert.ok(Math.abs(g.f[i] + Math.LN2 * c[i] * (q[i] - v)) < 1e-6, `df ${g.f[i]} vs ${-Math.LN2 * c[i] * (q[i] - v)}`);
          });
        },
      ),
      propertyParams(60, 41),
    );
  });

  it('EBOPs = sum of input bits x weight bits, and dEBOPs/df_ij = input bits where the weight is non-zero', () => {
    const inputType = asFixedType('ap_fixed<6,3,AP_RND,AP_SAT>', 'inputType');
    const w = [
      [0.75, -0.3, 0],
      [1.6, 0.02, -2.5],
    ];
    const f = [
      [2, 3.4, 4],
      [1, 2, 0.6],
    ];
    // Quantized weights: 0.75 (f 2: 3 bits = 0b11·2^-2 -> i 0 + f 2 = 2), -0.25 (f 3: i -1 + 3 = 2), 0, 1.5 (f 1: i 1 + 1 = 2),
    // 0 (0.02 at f 2), -2.5 (f 1: i 2 + 1 = 3): 2 + 2 + 2 + 3 = 9 bits, times 6 input bits.
    const params = { layers: [{ w: tf.tensor2d(w), b: tf.tensor1d([0, 0, 0]) }] };
    const x = tf.tensor2d([[0.5, -1]]);
    const value = tf.tidy(() => hgqForward(params, { layers: [{ f: tf.tensor2d(f), fa: tf.scalar(4) }] }, x, { inputType, inputCast: (t) => fakeQuant(t, inputType) }).ebops.dataSync()[0]);
    assert.equal(value, 6 * 9);
    const g = grad((p) => hgqForward(params, { layers: [{ f: (p as { f: Tensor }).f, fa: tf.scalar(4) }] }, x, { inputType, inputCast: (t) => fakeQuant(t, inputType) }).ebops)({ f: tf.tensor2d(f) }) as { f: number[][] };
    assert.deepEqual(g.f, [
      [6, 6, 0],
      [6, 0, 6],
    ]);
    // Exact powers of two (where a float32 log2 misses by one): 8192 at f 0 has 14 bits, 0.125 at f 3 has 1.
    const pow2 = tf.tidy(() =>
      hgqForward({ layers: [{ w: tf.tensor2d([[8192], [0.125], [2 ** -13]]), b: tf.tensor1d([0]) }] }, { layers: [{ f: tf.tensor2d([[0], [3], [13]]), fa: tf.scalar(4) }] }, tf.tensor2d([[0, 0, 0]]), {
        inputType,
        inputCast: (t) => fakeQuant(t, inputType),
      }).ebops.dataSync()[0],
    );
    assert.equal(pow2, 6 * (14 + 1 + 1));
    params.layers[0].w.dispose();
    params.layers[0].b.dispose();
    x.dispose();
  });

  it('a larger beta lowers EBOPs and mean weight bits (beta 0, 1e-5, 1e-4) at a bounded accuracy cost; the export reproduces the trained network', () => {
    const tr = ringTask(1000, 5);
    const va = ringTask(500, 6);
    const inputType = 'ap_fixed<8,3,AP_RND,AP_SAT>';
    const runs = [0, 1e-5, 1e-4].map((beta) =>
      trainClassifier({ sizes: [4, 16, 3], x: tr.x, y: tr.y, xVal: va.x, yVal: va.y, epochs: 10, batchSize: 50, learningRate: 0.02, seed: 3, inputType, hgq: { initFracBits: 6, beta } }),
    );
    const summary = runs.map((r) => ({ acc: r.valAccuracy!, ebops: r.ebops!, bits: r.meanWeightBits! }));
    for (let k = 1; k < runs.length; k++) {
      assert.ok(summary[k].ebops < summary[k - 1].ebops && summary[k].bits < summary[k - 1].bits, JSON.stringify(summary));
      assert.ok(summary[k].acc > summary[0].acc - 0.06, JSON.stringify(summary));
    }
    assert.ok(summary[0].acc > 0.88, JSON.stringify(summary));

    const r = runs[2];
    const q = r.quant as LayerQuant[];
    // Each exported weight lies on its own 2^-f grid and in its layer's type.
    r.params.layers.forEach((l, i) => {
      const wt = asFixedType(q[i].weight, 'w');
      l.w.flat().forEach((v, k) => {
        const f = r.fracBits!.weights[i][k];
        assert.ok(Number.isInteger(v * 2 ** f), `layer ${i} weight ${k} = ${v} not on 2^-${f}`);
        assert.ok(f <= fracBits(wt) || v === 0);
        assert.equal(Number(fromNumber(v, wt)) * 2 ** -fracBits(wt), v);
      });
    });
    // HGQ forward with the rounded bits = fixed-type QAT forward = emulator, on the calibration (training) inputs.
    const xs = rowsOf(tr.x, 4).slice(0, 300);
    const hgqLogits = tf.tidy(() => {
      const p = { layers: r.params.layers.map((l) => ({ w: tf.tensor2d(l.w), b: tf.tensor1d(l.b) })) };
      const bits = {
        layers: r.fracBits!.weights.map((fw, i) => ({ f: tf.tensor2d(fw, [r.params.layers[i].w.length, r.params.layers[i].b.length]), fa: tf.scalar(r.fracBits!.activations[i]) })),
      };
      const it = asFixedType(inputType, 'inputType');
      return hgqForward(p, bits, tf.tensor2d(xs), { inputType: it, inputCast: (t) => fakeQuant(t, it) }).logits.arraySync() as number[][];
    });
    const qatLogits = tf.tidy(() => {
      const p = { layers: r.params.layers.map((l) => ({ w: tf.tensor2d(l.w), b: tf.tensor1d(l.b) })) };
      return qatMlpForward(p, tf.tensor2d(xs), q, { inputType }).arraySync() as number[][];
    });
    assert.deepEqual(qatLogits, hgqLogits);
    assert.deepEqual(emulate(irFromQat(r.params, q, inputType), xs), qatLogits.map((row) => row.map((v) => v + 0)));
    const relu = q[0].relu as FixedType;
    assert.equal(relu.signed, false);
  });

  it('the sigmoid parametrization of f lets the widths move several bits in a short run, where f itself moves at most about rate x steps; bad settings name the field', () => {
    const tr = ringTask(400, 7);
    const inputType = 'ap_fixed<8,3,AP_RND,AP_SAT>';
    const lr = 0.01;
    const steps = 8 * 5; // 8 epochs of 5 batches
    const run = (transform: 'identity' | 'sigmoid') =>
      trainClassifier({ sizes: [4, 8, 3], x: tr.x, y: tr.y, epochs: 8, batchSize: 80, learningRate: lr, seed: 5, inputType, hgq: { initFracBits: 6, beta: 1e-3, transform } });
    const fell = (r: ReturnType<typeof run>) => {
      const f = r.fracBits!.weights.flat();
      return f.reduce((s, v) => s + (6 - v), 0) / f.length;
    };
    const id = run('identity');
    const sg = run('sigmoid');
    // Adam's step in f is at most about the rate: 40 steps x 0.01 = 0.4 bit, so the rounded f stay at 6 (or 5 after rounding).
    assert.ok(fell(id) <= 1, `identity: mean f fell by ${fell(id)}`);
    assert.ok(id.fracBits!.weights.flat().every((f) => f >= 5), JSON.stringify(id.fracBits!.weights));
    // Near f = 6 inside [-8, 16] the sigmoid's slope is 24·σ'(u) ≈ 5.8: the same steps move f by more than 1.5 bits.
    assert.ok(fell(sg) > 1.5, `sigmoid: mean f fell by ${fell(sg)}`);
    assert.ok(sg.ebops! < id.ebops!, `EBOPs sigmoid ${sg.ebops} vs identity ${id.ebops}`);
    assert.throws(() => checkHgq({ initFracBits: 6, beta: 1e-5, transform: 'log' as never }), /hgq\.transform/);
    assert.throws(() => checkHgq({ initFracBits: 0, beta: 1e-5, transform: 'sigmoid' }), /hgq\.initFracBits/);
    assert.equal(checkHgq({ initFracBits: 6, beta: 1e-5 }).transform, 'identity');
  });
});
