import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { tf, ParamSet, prngKey, nn, type Tensor, type Tree } from '../../../src/autodiff/index.js';
import { assertGradClose, propertyParams, arbSeed } from '../../../src/autodiff/testing/index.js';

/** Parameter tree of a network as plain numbers/tensors for checkGrad. */
function tree(defs: ReturnType<typeof nn.mlpInit>): Tree<Tensor> {
  return new ParamSet(defs).constantTree();
}

describe('nn: building blocks', () => {
  it('MLP gradients with respect to weights and inputs match finite differences', () => {
    fc.assert(
      fc.property(arbSeed(), (seed) => {
        const key = prngKey(seed);
        const p = tree(nn.mlpInit(key, [3, 5, 2]));
        const x = tf.tensor2d(Float32Array.from(key.fold('x').normals(4 * 3)), [4, 3]);
        assertGradClose((q) => tf.sum(tf.square(nn.mlpApply(q, x, { activation: 'tanh' }))), p as Tree<Tensor>, { maxElements: 12, seed });
        assertGradClose((q) => tf.sum(tf.square(nn.mlpApply(p, (q as { x: Tensor }).x, { activation: 'gelu', outputActivation: 'softmax' }))), { x }, { maxElements: 12 });
        tf.dispose([x]);
      }),
      propertyParams(6),
    );
  });

  it('conv1d and conv2d: shapes and gradients', () => {
    const key = prngKey(1);
    const p1 = tree(nn.conv1dInit(key, 3, 2, 4));
    const x1 = tf.tensor3d(Float32Array.from(key.fold(1).normals(2 * 7 * 2)), [2, 7, 2]);
    assert.deepEqual(nn.conv1dApply(p1, x1).shape, [2, 7, 4]);
    assert.deepEqual(nn.conv1dApply(p1, x1, { padding: 'valid', stride: 2 }).shape, [2, 3, 4]);
    assertGradClose((q) => tf.sum(tf.square(nn.conv1dApply(q, x1))), p1, { maxElements: 10 });
    const p2 = tree(nn.conv2dInit(key, 3, 3, 2, 3));
    const x2 = tf.tensor4d(Float32Array.from(key.fold(2).normals(2 * 5 * 5 * 2)), [2, 5, 5, 2]);
    assert.deepEqual(nn.conv2dApply(p2, x2).shape, [2, 5, 5, 3]);
    assertGradClose((q) => tf.sum(tf.square(nn.conv2dApply(q, x2))), p2, { maxElements: 10 });
    assertGradClose((q) => tf.sum(tf.square(nn.conv2dApply(p2, (q as { x: Tensor }).x))), { x: x2 }, { maxElements: 10 });
  });

  it('Deep Sets is invariant under permutations of the set, with and without a mask', () => {
    const key = prngKey(2);
    const p = tree(nn.deepSetsInit(key, { inDim: 3, phi: [8, 6], rho: [8], outDim: 2 }));
    const n = 6;
    const data = Array.from(key.fold('x').normals(n * 3));
    fc.assert(
      fc.property(fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }), fc.constantFrom<'sum' | 'mean' | 'max'>('sum', 'mean', 'max'), (perm, pooling) => {
        const x = tf.tensor3d(data, [1, n, 3]);
        const xp = tf.tensor3d(perm.flatMap((i) => data.slice(3 * i, 3 * i + 3)), [1, n, 3]);
        const mask = tf.tensor2d([[1, 1, 1, 1, 0, 0]]);
        const maskP = tf.tensor2d([perm.map((i) => (i < 4 ? 1 : 0))]);
        const a = nn.deepSetsApply(p, x, { pooling }).dataSync();
        const b = nn.deepSetsApply(p, xp, { pooling }).dataSync();
        const am = nn.deepSetsApply(p, x, { pooling, mask }).dataSync();
        const bm = nn.deepSetsApply(p, xp, { pooling, mask: maskP }).dataSync();
        a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-4 * (1 + Math.abs(v))));
        am.forEach((v, i) => assert.ok(Math.abs(v - bm[i]) < 1e-4 * (1 + Math.abs(v))));
        tf.dispose([x, xp, mask, maskP]);
      }),
      propertyParams(10),
    );
    const x = tf.tensor3d(data, [1, n, 3]);
    assertGradClose((q) => tf.sum(tf.square(nn.deepSetsApply(q, x, { pooling: 'mean' }))), p, { maxElements: 12 });
  });

  it('batch norm: training statistics, running update and gradients', () => {
    const { params, state } = nn.batchNormInit(2);
    const p = new ParamSet(params).constantTree();
    const x = tf.tensor2d([1, 10, 3, 20, 5, 30], [3, 2]);
    const r = nn.batchNormApply(p, state, x, { training: true, momentum: 0.5, epsilon: 0 });
    const y = r.y.arraySync() as number[][];
    const col0 = y.map((row) => row[0]);
    assert.ok(Math.abs(col0.reduce((a, b) => a + b, 0)) < 1e-5, 'zero mean');
    assert.ok(Math.abs(col0.reduce((a, b) => a + b * b, 0) / 3 - 1) < 1e-4, 'unit variance');
    assert.ok(Math.abs(r.state.mean[0] - 1.5) < 1e-6 && Math.abs(r.state.mean[1] - 10) < 1e-5, `${r.state.mean}`);
    const inf = nn.batchNormApply(p, r.state, x, { training: false });
    assert.deepEqual(inf.state, r.state);
    assertGradClose((q) => tf.sum(tf.square(tf.sub(nn.batchNormApply(q, state, x, { training: true }).y, 0.3))), p, {});
  });

  it('initializers have the documented variances', () => {
    const g = (nn.glorotUniform(prngKey(4), [200, 300]) as number[][]).flat();
    const varG = g.reduce((a, b) => a + b * b, 0) / g.length;
    assert.ok(Math.abs(varG / (2 / 500) - 1) < 0.03, `glorot variance ${varG}`);
    const h = (nn.heNormal(prngKey(5), [200, 300]) as number[][]).flat();
    const varH = h.reduce((a, b) => a + b * b, 0) / h.length;
    assert.ok(Math.abs(varH / (2 / 200) - 1) < 0.03, `he variance ${varH}`);
  });

  it('rejects bad sizes and mismatched inputs, naming them', () => {
    assert.throws(() => nn.mlpInit(prngKey(0), [3]), /sizes/);
    assert.throws(() => nn.denseInit(prngKey(0), 0, 3), /inDim/);
    const p = tree(nn.mlpInit(prngKey(0), [3, 2]));
    assert.throws(() => nn.mlpApply(p, tf.zeros([2, 4])), /dense input.*\[-1, 3\].*\[2, 4\]/);
    assert.throws(() => nn.activate(tf.zeros([1]), 'bogus' as never), /activation/);
  });
});
