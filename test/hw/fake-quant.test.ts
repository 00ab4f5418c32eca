/**
 * Fake quantization for QAT: forward values equal the exact casts for random
 * values, types and every mode; the straight-through gradient is the
 * identity inside the range and zero where the value saturates.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { grad, tf } from '../../src/autodiff/index.js';
import { propertyParams } from '../../src/autodiff/testing/index.js';
import { castRaw, fixedType, formatFixed, fromNumber, OVERFLOW_MODES, parseFixed, QUANT_MODES, rawRange, toNumber } from '../../src/hw/fixed/ap-fixed.js';
import { fakeQuant } from '../../src/hw/qat/fake-quant.js';

describe('hw fake quantization (QAT)', () => {
  it('forward equals the exact cast for random values, widths and every mode (300 cases x 16 values)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: -2, max: 6 }),
        fc.boolean(),
        fc.constantFrom(...QUANT_MODES),
        fc.constantFrom(...OVERFLOW_MODES),
        fc.array(fc.integer({ min: -4096, max: 4096 }), { minLength: 16, maxLength: 16 }),
        (w, i, signed, quant, overflow, ints) => {
          const t = fixedType(w, Math.min(i, w), { signed, quant, overflow });
          // Inputs on a 2^-8 grid: exact in float32, with ties for every F < 8.
          const xs = ints.map((k) => k / 256);
          const got = tf.tidy(() => fakeQuant(tf.tensor1d(xs), t).arraySync() as number[]);
          const want = xs.map((x) => toNumber(castRaw(BigInt(x * 256), 8, t), t));
          assert.deepEqual(got.map((v) => v + 0), want.map((v) => v + 0));
        },
      ),
      propertyParams(300, 17),
    );
  });

  it('straight-through gradient: identity inside the range, zero where saturated', () => {
    const t = parseFixed('ap_fixed<6,2,AP_RND,AP_SAT>'); // range [-2, 1.9375], step 1/16
    fc.assert(
      fc.property(fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 8, maxLength: 8 }), fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 8, maxLength: 8 }), (xs, cs) => {
        const g = grad((p) => tf.sum(tf.mul(fakeQuant((p as { x: tf.Tensor }).x, t), tf.tensor1d(cs))))({ x: tf.tensor1d(xs) }) as { x: number[] };
        const gv = Array.from(g.x);
        xs.forEach((x, k) => {
          // The rounded value before overflow handling, from the exact cast to a wide type of the same step.
          const raw = fromNumber(x, fixedType(20, 16, { quant: 'RND' }));
          const inside = raw >= -32n && raw <= 31n;
          assert.ok(Math.abs(gv[k] - (inside ? Math.fround(cs[k]) : 0)) < 1e-6, `x=${x} grad ${gv[k]} inside=${inside}`);
        });
      }),
      propertyParams(50, 18),
    );
  });

  it('straight-through gradient for random types and every mode pair: the incoming cotangent where the rounded value is in range, 0 where it overflows (200 cases x 16 values)', () => {
    const seen = { in: 0, out: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 10 }),
        fc.integer({ min: -2, max: 5 }),
        fc.boolean(),
        fc.constantFrom(...QUANT_MODES),
        fc.constantFrom(...OVERFLOW_MODES),
        fc.array(fc.integer({ min: -4096, max: 4096 }), { minLength: 16, maxLength: 16 }),
        fc.array(fc.integer({ min: -64, max: 64 }), { minLength: 16, maxLength: 16 }),
        (w, i, signed, quant, overflow, ints, cInts) => {
          const t = fixedType(w, Math.min(i, w), { signed, quant, overflow });
          const xs = ints.map((k) => k / 256);
          const cs = cInts.map((k) => k / 8);
          const g = grad((p) => tf.sum(tf.mul(fakeQuant((p as { x: tf.Tensor }).x, t), tf.tensor1d(cs))))({ x: tf.tensor1d(xs) }) as { x: number[] };
          const { min, max } = rawRange(t);
          const lo = overflow === 'SAT_SYM' && signed ? -max : min;
          xs.forEach((x, k) => {
            // The value rounded by the type's mode at unbounded width (same step), against the raw range.
            const raw = fromNumber(x, fixedType(40, 40 - (t.width - t.integer), { quant }));
            const inside = raw >= lo && raw <= max;
            if (inside) seen.in++;
            else seen.out++;
            assert.equal(g.x[k] + 0, inside ? cs[k] : 0, `${formatFixed(t)} x=${x}`);
          });
        },
      ),
      propertyParams(200, 19),
    );
    assert.ok(seen.in > 300 && seen.out > 300, `both regimes exercised: ${JSON.stringify(seen)}`);
  });

  it('keeps tf.memory flat over repeated gradient steps', () => {
    const t = parseFixed('ap_fixed<8,3,AP_RND_CONV,AP_SAT>');
    const x = tf.tensor1d([0.3, -5, 2.2]);
    const step = () => grad((p) => tf.sum(tf.square(fakeQuant((p as { x: tf.Tensor }).x, t))))({ x });
    step();
    const n0 = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) step();
    assert.equal(tf.memory().numTensors, n0);
    x.dispose();
  });
});
