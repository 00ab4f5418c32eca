/**
 * Quantization-aware training of the nn MLP: the fake-quantized forward pass
 * equals the bit-exact emulator of the exported IR; straight-through
 * gradients through a quantized layer; trainClassifier is reproducible from
 * its seed, memory-flat, resumes from a checkpoint to the same result, and
 * rejects bad input naming the field.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { DiffhepError, DomainError, grad, prngKey, ShapeMismatchError, tf, type Tensor } from '../../src/autodiff/index.js';
import { assertAllClose, assertGradClose, propertyParams } from '../../src/autodiff/testing/index.js';
import { fixedType, fromNumber, OVERFLOW_MODES, QUANT_MODES, rawRange, type FixedType } from '../../src/hw/fixed/ap-fixed.js';
import { emulate } from '../../src/hw/emulate/emulator.js';
import { accuracy, irFromQat, qatForwardIsExact, qatMlpForward, trainClassifier, uniformLayerQuant, type LayerQuant } from '../../src/hw/qat/index.js';

/**
 * A small synthetic 3-class task in 4 standard-normal features: class 0
 * inside the unit circle of (x0, x1), else class 1 or 2 by the sign of
 * x2 + x3/2. Seeded.
 */
export function ringTask(n: number, seed: number): { x: Float32Array; y: Int32Array } {
  const z = prngKey(seed).normals(n * 4);
  const x = new Float32Array(n * 4);
  const y = new Int32Array(n);
  for (let e = 0; e < n; e++) {
    for (let i = 0; i < 4; i++) x[e * 4 + i] = z[e * 4 + i];
    const r2 = x[e * 4] ** 2 + x[e * 4 + 1] ** 2;
    y[e] = r2 < 1 ? 0 : x[e * 4 + 2] + 0.5 * x[e * 4 + 3] > 0 ? 1 : 2;
  }
  return { x, y };
}

/** Rows of an n × d Float32Array as number arrays. */
export function rowsOf(x: Float32Array, d: number): number[][] {
  return Array.from({ length: x.length / d }, (_, e) => Array.from(x.subarray(e * d, (e + 1) * d)));
}

const arbType = (wMin: number, wMax: number, signed?: boolean) =>
  fc
    .record({
      w: fc.integer({ min: wMin, max: wMax }),
      i: fc.integer({ min: -1, max: 4 }),
      s: signed === undefined ? fc.boolean() : fc.constant(signed),
      q: fc.constantFrom(...QUANT_MODES),
      o: fc.constantFrom(...OVERFLOW_MODES),
    })
    .map((r) => fixedType(r.w, Math.min(r.i, r.w), { signed: r.s, quant: r.q, overflow: r.o }));

describe('hw QAT: quantized MLP forward pass', () => {
  it('equals the bit-exact emulator of irFromQat for random nets, types of every mode and accumulators (60 nets x 40 inputs)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }),
        fc.array(fc.integer({ min: 2, max: 6 }), { minLength: 1, maxLength: 2 }),
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        arbType(4, 9, true),
        fc.array(
          fc.record({
            weight: arbType(3, 8, true),
            bias: arbType(3, 8),
            result: arbType(3, 9),
            relu: fc.option(arbType(3, 9), { nil: undefined }),
            // An explicit wrapping accumulator: sometimes coarser than the products (each product is then rounded).
            accum: fc.option(fc.record({ w: fc.integer({ min: 6, max: 18 }), f: fc.integer({ min: 0, max: 12 }), q: fc.constantFrom(...QUANT_MODES) }), { nil: undefined }),
          }),
          { minLength: 3, maxLength: 3 },
        ),
        (nIn, hidden, nOut, seed, inputType, lq) => {
          const sizes = [nIn, ...hidden, nOut];
          const key = prngKey(seed);
          const z = key.normals(400);
          let k = 0;
          const layers = sizes.slice(0, -1).map((a, i) => ({
            w: Array.from({ length: a }, () => Array.from({ length: sizes[i + 1] }, () => Math.fround(z[k++ % 400] * 1.5))),
            b: Array.from({ length: sizes[i + 1] }, () => Math.fround(z[k++ % 400])),
          }));
          const q: LayerQuant[] = layers.map((_, i) => {
            const l = lq[i];
            const acc = l.accum ? fixedType(l.accum.w, l.accum.w - l.accum.f, { quant: l.accum.q, overflow: 'WRAP' }) : undefined;
            return { weight: l.weight, bias: l.bias, result: l.result, relu: l.relu, accum: acc };
          });
          const xs = Array.from(key.fold('x').normals(40 * nIn), (v) => Math.fround(v * 3));
          const rows = Array.from({ length: 40 }, (_, e) => xs.slice(e * nIn, (e + 1) * nIn));
          const ir = irFromQat({ layers }, q, inputType);
          assert.ok(qatForwardIsExact(ir));
          const want = emulate(ir, rows);
          const got = tf.tidy(() => {
            const p = { layers: layers.map((l) => ({ w: tf.tensor2d(l.w), b: tf.tensor1d(l.b) })) };
            return qatMlpForward(p, tf.tensor2d(rows), q, { inputType }).arraySync() as number[][];
          });
          assert.deepEqual(got.map((r) => r.map((v) => v + 0)), want.map((r) => r.map((v) => v + 0)));
        },
      ),
      propertyParams(60, 31),
    );
  });

  it('straight-through gradients: identity where weights, bias and results lie inside their ranges, zero where they saturate', () => {
    const wT = fixedType(5, 1, { quant: 'RND', overflow: 'SAT' }); // [-1, 0.9375]
    const bT = fixedType(4, 1, { quant: 'RND_CONV', overflow: 'SAT_SYM' });
    const rT = fixedType(6, 2, { quant: 'TRN', overflow: 'SAT' }); // [-2, 1.9375]
    const inT = fixedType(8, 3, { quant: 'RND', overflow: 'SAT' });
    const seen = { in: 0, out: 0 };
    const inside = (v: number, t: FixedType) => {
      // The rounded value before overflow handling (a wide type of the same step and mode), against the range.
      const raw = fromNumber(v, fixedType(40, 40 - (t.width - t.integer), { quant: t.quant }));
      const { min, max } = rawRange(t);
      const lo = t.overflow === 'SAT_SYM' && t.signed ? -max : min;
      const r = raw >= lo && raw <= max ? 1 : 0;
      if (r) seen.in++;
      else seen.out++;
      return r;
    };
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1.6, max: 1.6, noNaN: true }), { minLength: 6, maxLength: 6 }),
        fc.array(fc.double({ min: -1.5, max: 1.5, noNaN: true }), { minLength: 2, maxLength: 2 }),
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 12, maxLength: 12 }),
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }),
        (w0, b0, x0, c0) => {
          const w = w0.map(Math.fround);
          const b = b0.map(Math.fround);
          const x = x0.map(Math.fround);
          const c = c0.map(Math.fround);
          const q: LayerQuant[] = [{ weight: wT, bias: bT, result: rT }];
          const g = grad((p) => {
            const { w: wt, b: bt } = p as { w: Tensor; b: Tensor };
            return tf.sum(tf.mul(qatMlpForward({ layers: [{ w: wt, b: bt }] }, tf.tensor2d(x, [4, 3]), q, { inputType: inT }), tf.tensor2d(c, [4, 2])));
          })({ w: tf.tensor2d(w, [3, 2]), b: tf.tensor1d(b) }) as { w: number[][]; b: number[] };
          // Host reference: quantized values, result in-range mask, chain rule with STE.
          const qv = (v: number, t: FixedType) => Number(fromNumber(v, t)) * 2 ** -(t.width - t.integer);
          const xq = x.map((v) => qv(v, inT));
          const wq = w.map((v) => qv(v, wT));
          const bq = b.map((v) => qv(v, bT));
          const gw = new Array<number>(6).fill(0);
          const gb = [0, 0];
          for (let e = 0; e < 4; e++) {
            for (let j = 0; j < 2; j++) {
              const zz = bq[j] + [0, 1, 2].reduce((s, i) => s + xq[e * 3 + i] * wq[i * 2 + j], 0);
              const up = c[e * 2 + j] * inside(zz, rT);
              gb[j] += up;
              for (let i = 0; i < 3; i++) gw[i * 2 + j] += up * xq[e * 3 + i];
            }
          }
          g.w.flat().forEach((v, i) => assert.ok(Math.abs(v - gw[i] * inside(w[i], wT)) < 1e-5, `dw[${i}] ${v} vs ${gw[i] * inside(w[i], wT)}`));
          Array.from(g.b).forEach((v, j) => assert.ok(Math.abs(v - gb[j] * inside(b[j], bT)) < 1e-5, `db[${j}] ${v} vs ${gb[j] * inside(b[j], bT)}`));
        },
      ),
      propertyParams(40, 32),
    );
    assert.ok(seen.in > 100 && seen.out > 50, `both regimes exercised: ${JSON.stringify(seen)}`);
  });

  it('qatForwardIsExact flags wide accumulators, where float32 rounding does make the float pass differ from the emulator', () => {
    const key = prngKey(77);
    const z = key.normals(16 * 4 + 4);
    const layers = [{ w: Array.from({ length: 16 }, (_, i) => Array.from(z.subarray(i * 4, i * 4 + 4), (v) => Math.fround(v))), b: Array.from(z.subarray(64, 68), (v) => Math.fround(v)) }];
    const wide: LayerQuant[] = [{ weight: 'ap_fixed<16,2,AP_RND>', bias: 'ap_fixed<16,4,AP_RND>', result: 'ap_fixed<24,10,AP_RND,AP_SAT>' }];
    const narrow: LayerQuant[] = [{ weight: 'ap_fixed<8,2,AP_RND>', bias: 'ap_fixed<8,4,AP_RND>', result: 'ap_fixed<16,8,AP_RND,AP_SAT>' }];
    const rows = Array.from({ length: 200 }, (_, e) => Array.from(key.fold(e).normals(16), (v) => Math.fround(v * 4)));
    const mismatches = (q: LayerQuant[], inT: string) => {
      const want = emulate(irFromQat({ layers }, q, inT), rows);
      const got = tf.tidy(() => qatMlpForward({ layers: [{ w: tf.tensor2d(layers[0].w), b: tf.tensor1d(layers[0].b) }] }, tf.tensor2d(rows), q, { inputType: inT }).arraySync() as number[][]);
      return got.flat().filter((v, k) => v !== want.flat()[k]).length;
    };
    assert.equal(qatForwardIsExact(irFromQat({ layers }, wide, 'ap_fixed<16,6>')), false);
    assert.ok(mismatches(wide, 'ap_fixed<16,6>') > 0);
    assert.equal(qatForwardIsExact(irFromQat({ layers }, narrow, 'ap_fixed<8,4>')), true);
    assert.equal(mismatches(narrow, 'ap_fixed<8,4>'), 0);
  });

  it('with wide types the straight-through gradient of the loss is the float gradient, itself checked against finite differences (property)', () => {
    const wide = fixedType(24, 8, { quant: 'RND', overflow: 'SAT' }); // step 2^-16, range ±128: no saturation here
    const q: LayerQuant[] = [0, 1].map(() => ({ weight: wide, bias: wide, result: wide }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const z = prngKey(seed).normals(3 * 5 + 5 + 5 * 2 + 2 + 6 * 3);
        const r = (a: number, b: number) => Array.from(z.subarray(a, b), (v) => Math.fround(v * 0.7));
        const params = { layers: [{ w: tf.tensor2d(r(0, 15), [3, 5]), b: tf.tensor1d(r(15, 20)) }, { w: tf.tensor2d(r(20, 30), [5, 2]), b: tf.tensor1d(r(30, 32)) }] };
        const x = tf.tensor2d(r(32, 50), [6, 3]);
        const labels = tf.oneHot(tf.tensor1d([0, 1, 1, 0, 1, 0], 'int32'), 2);
        const loss = (quant: LayerQuant[] | 'float') => (p: unknown) => tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(qatMlpForward(p as never, x, quant))), 1)));
        try {
          assertGradClose(loss('float'), params as never, { maxElements: 12, seed });
          const gq = grad(loss(q) as never)(params as never) as { layers: { w: number[][]; b: number[] }[] };
          const gf = grad(loss('float') as never)(params as never) as { layers: { w: number[][]; b: number[] }[] };
          gq.layers.forEach((l, i) => {
            assertAllClose(l.w.flat(), gf.layers[i].w.flat(), 0, 2e-4, `layer ${i} dw`);
            assertAllClose(l.b, gf.layers[i].b, 0, 2e-4, `layer ${i} db`);
          });
        } finally {
          tf.dispose([x, labels, ...params.layers.flatMap((l) => [l.w, l.b])]);
        }
      }),
      propertyParams(10, 33),
    );
  });

  it('rejects a wrong number of layer types and a non-wrapping accumulator, naming the field', () => {
    const p = { layers: [{ w: [[1], [2]], b: [0] }] };
    assert.throws(() => irFromQat(p, uniformLayerQuant(2, { width: 6 }), 'ap_fixed<8,3>'), (e: unknown) => e instanceof DomainError && e.field === 'quant');
    const bad: LayerQuant[] = [{ weight: 'ap_fixed<6,1>', bias: 'ap_fixed<6,1>', result: 'ap_fixed<8,3>', accum: 'ap_fixed<16,6,AP_TRN,AP_SAT>' }];
    assert.throws(() => irFromQat(p, bad, 'ap_fixed<8,3>'), (e: unknown) => e instanceof DomainError && e.field === 'quant[0].accum');
    assert.throws(() => irFromQat(p, [{ ...bad[0], accum: undefined, weight: 'ap_fixed<70,1>' }], 'ap_fixed<8,3>'), (e: unknown) => e instanceof DomainError && e.field === 'quant[0].weight.W');
  });
});

describe('hw QAT: trainClassifier', () => {
  const tr = ringTask(800, 1);
  const va = ringTask(400, 2);
  const base = { sizes: [4, 12, 3], x: tr.x, y: tr.y, xVal: va.x, yVal: va.y, epochs: 6, batchSize: 50, learningRate: 0.02, seed: 5 };
  const inputType = 'ap_fixed<8,3,AP_RND,AP_SAT>';

  it('float training learns the task; QAT at 6 bits exports a network whose emulated accuracy equals the reported one', () => {
    const f = trainClassifier(base);
    assert.equal(f.quant, 'float');
    assert.equal(f.history.length, 6 * 16);
    assert.ok(f.valAccuracy! > 0.88, `float val accuracy ${f.valAccuracy}`);
    const r = trainClassifier({ ...base, quant: uniformLayerQuant(2, { width: 6 }), inputType });
    assert.ok(r.valAccuracy! > 0.8, `QAT val accuracy ${r.valAccuracy}`);
    const ir = irFromQat(r.params, r.quant as LayerQuant[], r.inputType, { output: 'softmax-argmax' });
    const cls = emulate(ir, rowsOf(va.x, 4)).map((row) => row[0]);
    const emAcc = cls.filter((c, e) => c === va.y[e]).length / va.y.length;
    assert.equal(emAcc, r.valAccuracy);
    assert.equal(accuracy(r.params, va.x, va.y, { quant: r.quant, inputType: r.inputType }), r.valAccuracy);
  });

  it('is reproducible from the seed and keeps tf.memory flat', () => {
    const opts = { ...base, epochs: 2, quant: uniformLayerQuant(2, { width: 5 }), inputType, pruning: { finalSparsity: 0.5, endStep: 20, frequency: 5 } };
    const n0 = tf.memory().numTensors;
    const a = trainClassifier(opts);
    const b = trainClassifier(opts);
    const h = trainClassifier({ ...base, epochs: 1, inputType, hgq: { initFracBits: 5, beta: 1e-5 } });
    assert.equal(tf.memory().numTensors, n0);
    assert.deepEqual(a.params, b.params);
    assert.deepEqual(a.history, b.history);
    assert.ok(h.ebops! > 0);
    const c = trainClassifier({ ...opts, seed: 6 });
    assert.notDeepEqual(a.params, c.params);
  });

  it('resumes from its checkpoint to the same result as an uninterrupted run (QAT + pruning + HGQ state)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qat-ck-'));
    try {
      for (const extra of [{ quant: uniformLayerQuant(2, { width: 5 }), pruning: { finalSparsity: 0.6, endStep: 30, frequency: 7 } }, { hgq: { initFracBits: 5, beta: 1e-4 }, pruning: { finalSparsity: 0.3, endStep: 25, frequency: 5 } }]) {
        const opts = { ...base, epochs: 3, inputType, ...extra };
        const full = trainClassifier(opts);
        const path = join(dir, `ck-${extra.hgq ? 'hgq' : 'qat'}.json`);
        assert.throws(
          () =>
            trainClassifier({
              ...opts,
              checkpoint: path,
              checkpointEvery: 10,
              onStep: (s) => {
                if (s.step === 27) throw new DiffhepError('interrupted', 'test');
              },
            }),
          /interrupted/,
        );
        const resumed = trainClassifier({ ...opts, checkpoint: path, checkpointEvery: 10 });
        assert.equal(resumed.resumedFrom, 20);
        assert.deepEqual(resumed.params, full.params);
        assert.deepEqual(resumed.masks, full.masks);
        assert.deepEqual(resumed.history, full.history);
        assert.equal(resumed.ebops, full.ebops);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad input naming the field', () => {
    const err = (f: () => unknown, field: string, cls: new (...a: never[]) => Error = DomainError) =>
      assert.throws(f, (e: unknown) => e instanceof cls && (e as DomainError).field === field, field);
    const y = Int32Array.from(tr.y);
    y[3] = 7;
    err(() => trainClassifier({ ...base, y }), 'y[3]');
    err(() => trainClassifier({ ...base, x: tr.x.subarray(4) }), 'x', ShapeMismatchError);
    err(() => trainClassifier({ ...base, batchSize: 0 }), 'batchSize');
    err(() => trainClassifier({ ...base, sizes: [4, 0, 3] }), 'sizes');
    err(() => trainClassifier({ ...base, quant: uniformLayerQuant(2, { width: 4 }), hgq: { initFracBits: 4, beta: 0 } }), 'hgq', DiffhepError);
    err(() => trainClassifier({ ...base, hgq: { initFracBits: 4, beta: -1 } }), 'hgq.beta');
    err(() => trainClassifier({ ...base, pruning: { finalSparsity: 1.2, endStep: 10 } }), 'pruning.finalSparsity');
    err(() => trainClassifier({ ...base, quant: [{ weight: 'ap_fixed<4,1>', bias: 'ap_fixed<4,1>', result: 'bad' }, ...uniformLayerQuant(1, { width: 4 })] }), 'quant[0].result');
  });
});
