/** sumPrecise: gradient, and precision on a million float32 terms. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tf, sumPrecise, sumPreciseValue, kahanSum, PRNGKey, type Tensor, type Tree } from '../../src/autodiff/index.js';
import { checkGrad, propertyParams, arbTensorData } from '../../src/autodiff/testing/index.js';
import { assertAllClose, assertGradOk, values } from './helpers.js';

describe('precise sums', () => {
  it('sumPrecise has the gradient of a sum, over all axes and over one axis (property)', () => {
    fc.assert(
      fc.property(arbTensorData([3, 4], -2, 2), (d) => {
        const x = tf.tensor(d.values, d.shape);
        const w = tf.tensor2d([[1, -2, 0.5, 3]]);
        assertGradOk(checkGrad((t) => tf.square(sumPrecise(tf.mul((t as { x: Tensor }).x, w))), { x }), 'all axes');
        assertGradOk(checkGrad((t) => tf.sum(tf.mul(tf.square(sumPrecise(tf.sin((t as { x: Tensor }).x), 1)), tf.tensor1d([1, 2, 3]))), { x }), 'axis 1');
        assertGradOk(checkGrad((t) => tf.sum(tf.mul(sumPrecise(tf.exp((t as { x: Tensor }).x), -2), tf.tensor1d([1, 2, 3, 4]))), { x }), 'axis -2');
        x.dispose();
        w.dispose();
      }),
      propertyParams(8, 401),
    );
  });

  it('sumPrecise over an axis equals the float64 per-row sums', () => {
    const x = tf.tensor2d([[1e8, 1, -1e8, 0.5], [0.1, 0.2, 0.3, 0.4]]);
    const s = sumPrecise(x, 1);
    assert.deepEqual(s.shape, [2]);
    assertAllClose(values(s), [1.5, Math.fround(0.1) + Math.fround(0.2) + Math.fround(0.3) + Math.fround(0.4)], 1e-7, 0, 'row sums');
    x.dispose();
    s.dispose();
  });

  it('a million float32 terms: float32 summation is off, sumPrecise matches float64 to < 1e-3', () => {
    const n = 1_000_000;
    const u = PRNGKey.fromSeed('precise-sum').uniforms(n);
    const data = Float32Array.from(u, (v) => 0.5 + v); // total ≈ 1e6
    let ref = 0;
    for (let i = 0; i < n; i++) ref += data[i]; // float64 reference (error ~1e-10 here)
    let naive = 0;
    for (let i = 0; i < n; i++) naive = Math.fround(naive + data[i]); // sequential float32
    const x = tf.tensor1d(data);
    const tfSum = tf.sum(x);
    const precise = sumPrecise(x);
    const preciseValue = sumPreciseValue(x);
    assert.ok(Math.abs(naive - ref) > 1, `float32 running sum is off by ${Math.abs(naive - ref)} (expected > 1)`);
    assert.ok(Math.abs(preciseValue - ref) < 1e-3, `sumPreciseValue off by ${Math.abs(preciseValue - ref)}`);
    assert.ok(Math.abs(kahanSum(data) - ref) < 1e-3, 'kahanSum');
    // the float32 tensor is the correctly rounded float64 total (½ ulp at 1e6 is 0.031)
    assert.equal(values(precise)[0], Math.fround(ref));
    assert.ok(Math.abs(values(tfSum)[0] - ref) >= Math.abs(values(precise)[0] - ref), 'tf.sum is not more exact than sumPrecise');
    [x, tfSum, precise].forEach((t) => t.dispose());
  });
});
