import { strict as assert } from 'node:assert';
import { tf, prngKey } from '../../../src/autodiff/index.js';
import { leastSquaresWeights, calibratedLayerSum, initialWeights } from '../../../src/sim/calo/index.js';

describe('calo: energy reconstruction', () => {
  it('least-squares weights recover the weights of an exactly linear response', () => {
    const L = 6;
    const B = 200;
    const u = prngKey(3).uniforms(B * L);
    const wTrue = [3, 5, 4, 6, 2, 7];
    const vis = Float64Array.from(u, (x) => x * 0.2);
    const e = Array.from({ length: B }, (_, b) => wTrue.reduce((s, w, l) => s + w * vis[b * L + l], 0));
    const w = leastSquaresWeights(vis, e, L, [1, 1, 1, 1, 1, 1]);
    w.forEach((wi, l) => assert.ok(Math.abs(wi - wTrue[l]) < 1e-3 * wTrue[l], `w[${l}] = ${wi}`));
  });

  it('calibrated layer sum, initial weights and their errors', () => {
    const r = tf.tidy(() => calibratedLayerSum(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor1d([10, 100])).arraySync());
    assert.deepEqual(r, [210, 430]);
    assert.deepEqual(initialWeights([0.5, 0.25], 0.8), [2.5, 5]);
    assert.throws(() => initialWeights([0.5, 0], 0.8), /samplingFraction\[1\]/);
    assert.throws(() => tf.tidy(() => calibratedLayerSum(tf.ones([2, 3]), tf.ones([2]))), /weights/);
  });
});
