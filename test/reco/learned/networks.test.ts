import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { tf, nn, prngKey, ParamSet, ShapeMismatchError, DiffhepError, DomainError, type Tensor, type Tree } from '../../../src/autodiff/index.js';
import { assertGradClose, propertyParams } from '../../../src/autodiff/testing/index.js';
import {
  setNetwork,
  imageNetwork,
  vectorNetwork,
  gaussianAnsatz,
  gaussianAnsatzLoss,
  squaredErrorLoss,
  logisticLoss,
  summaryNll,
  checkNetworkInputs,
  predict,
} from '../../../src/reco/learned/index.js';

/** A random tensor from a key (values in [−1, 1)). */
function rand(seed: number, shape: number[], scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from(prngKey(seed).uniforms(n), (u) => (2 * u - 1) * scale), shape);
}

function values(t: Tensor): number[] {
  return Array.from(t.dataSync());
}

describe('reco/learned networks and losses', () => {
  it('set network: gradients of the squared-error loss (24 sampled parameter elements) match finite differences', () => {
    const net = setNetwork({ inDim: 5, phi: [8, 6], rho: [6], outDim: 1 });
    const p = new ParamSet(net.init(prngKey(1))).constantTree();
    const x = rand(2, [3, 7, 5]);
    const mask = tf.tensor2d([[1, 1, 1, 1, 1, 0, 0], [1, 1, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1]]);
    const y = tf.tensor1d([0.5, -0.2, 1.3]);
    assertGradClose((q) => squaredErrorLoss(net.apply(q, { features: x, mask }), y), p as Tree<Tensor>, { maxElements: 24, seed: 3 });
    tf.dispose([x, mask, y]);
  });

  it('image network: gradients of the logistic loss match finite differences', () => {
    const net = imageNetwork({ size: 5, channels: 3, conv: [4, 4], dense: [6], outDim: 1 });
    const p = new ParamSet(net.init(prngKey(4))).constantTree();
    const img = rand(5, [2, 5, 5, 3]);
    const labels = tf.tensor1d([1, 0]);
    assertGradClose((q) => logisticLoss(net.apply(q, { images: img }), labels), p as Tree<Tensor>, { maxElements: 24, seed: 6 });
    tf.dispose([img, labels]);
  });

  it('Gaussian-Ansatz loss and the summary likelihood: gradients match finite differences', () => {
    const ga = gaussianAnsatz(vectorNetwork({ inDim: 2, hidden: [6], outDim: 3, activation: 'tanh' }), { outputScale: 1 });
    const p = new ParamSet(ga.init(prngKey(7))).constantTree();
    const x = rand(8, [6, 2]);
    const z = rand(9, [6]);
    assertGradClose((q) => gaussianAnsatzLoss(ga, q, { features: x }, z, { marginalPairs: 3 }), p as Tree<Tensor>, { maxElements: 24, seed: 1 });
    // and in the values z (the critic is smooth in z)
    assertGradClose((q) => gaussianAnsatzLoss(ga, p as Tree<Tensor>, { features: x }, (q as { z: Tensor }).z), { z } as Tree<Tensor>, { seed: 2 });
    const lik = new ParamSet({ ...(vectorNetwork({ inDim: 1, hidden: [5], outDim: 2 }).init(prngKey(10)) as object) }).constantTree();
    const s = rand(11, [5]);
    const e = tf.tensor1d([1.5, 3, 4.2, 7, 9.9]);
    assertGradClose((q) => summaryNll(q, s, e, 1, 10), lik as Tree<Tensor>, { seed: 4 });
    tf.dispose([x, z, s, e]);
  });

  it('losses: known values and bad shapes named', () => {
    tf.tidy(() => {
      assert.ok(Math.abs(squaredErrorLoss(tf.tensor2d([[1], [2]]), tf.tensor1d([1, 4])).dataSync()[0] - 2) < 1e-6);
      assert.ok(Math.abs(logisticLoss(tf.tensor1d([0, 0]), tf.tensor1d([1, 0])).dataSync()[0] - Math.LN2) < 1e-6);
      // a confident wrong logit costs its size, without overflow
      assert.ok(Math.abs(logisticLoss(tf.tensor1d([-80]), tf.tensor1d([1])).dataSync()[0] - 80) < 1e-3);
      assert.throws(() => squaredErrorLoss(tf.zeros([3, 2]), tf.zeros([3])), (e: Error) => e instanceof ShapeMismatchError && /prediction/.test(e.message));
      assert.throws(() => logisticLoss(tf.zeros([4]), tf.zeros([3])), (e: Error) => e instanceof ShapeMismatchError && /logits/.test(e.message));
    });
  });

  it('Deep Sets outputs are invariant under permutations of the set and blind to padding (property)', () => {
    const net = setNetwork({ inDim: 5, phi: [16, 8], rho: [8], outDim: 2 });
    const p = new ParamSet(net.init(prngKey(12))).constantTree();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 1e6 }), (n, pad, seed) => {
        tf.tidy(() => {
          const x = rand(seed, [1, n, 5], 2);
          const base = values(net.apply(p, { features: x, mask: tf.ones([1, n]) }));
          // permutation drawn from the seed
          const u = prngKey(seed).fold('perm').uniforms(n);
          const perm = Array.from({ length: n }, (_, i) => i).sort((a, b) => u[a] - u[b]);
          const xp = tf.gather(x, tf.tensor1d(perm, 'int32'), 1);
          const permuted = values(net.apply(p, { features: xp, mask: tf.ones([1, n]) }));
          // padding with garbage elements that the mask switches off
          const garbage = rand(seed + 1, [1, pad, 5], 50);
          const xpad = tf.concat([xp, garbage], 1);
          const mpad = tf.concat([tf.ones([1, n]), tf.zeros([1, pad])], 1);
          const padded = values(net.apply(p, { features: xpad, mask: mpad }));
          base.forEach((v, i) => {
            assert.ok(Math.abs(permuted[i] - v) <= 1e-4 * Math.max(1, Math.abs(v)), `permutation: ${permuted[i]} vs ${v}`);
            assert.ok(Math.abs(padded[i] - v) <= 1e-4 * Math.max(1, Math.abs(v)), `padding: ${padded[i]} vs ${v}`);
          });
        });
      }),
      propertyParams(15, 20261123),
    );
  });

  it('CNN feature maps are translation-equivariant away from the border (property)', () => {
    const net = imageNetwork({ size: 9, channels: 2, conv: [4, 3], dense: [4], outDim: 1 });
    const p = new ParamSet(net.init(prngKey(13))).constantTree();
    fc.assert(
      fc.property(fc.integer({ min: -2, max: 2 }), fc.integer({ min: -2, max: 2 }), fc.integer({ min: 0, max: 1e6 }), (dx, dy, seed) => {
        tf.tidy(() => {
          // content confined to the central 3×3 cells; after a shift of ≤ 2 and two 3×3 convolutions
          // (receptive radius 2) the feature maps stay clear of the border.
          const core = rand(seed, [1, 3, 3, 2]);
          const place = (ox: number, oy: number) => tf.pad(core, [[0, 0], [3 + ox, 3 - ox], [3 + oy, 3 - oy], [0, 0]]);
          const f0 = net.convFeatures(p, place(0, 0));
          const f1 = net.convFeatures(p, place(dx, dy));
          const a = f0.arraySync() as number[][][][];
          const b = f1.arraySync() as number[][][][];
          for (let i = 0; i < 9; i++) {
            for (let j = 0; j < 9; j++) {
              const si = i + dx;
              const sj = j + dy;
              if (si < 0 || sj < 0 || si >= 9 || sj >= 9) continue;
              for (let c = 0; c < 3; c++) assert.ok(Math.abs(b[0][si][sj][c] - a[0][i][j][c]) < 1e-5, `(${i},${j},${c}) shifted by (${dx},${dy})`);
            }
          }
        });
      }),
      propertyParams(10, 20261123),
    );
  });

  it('bad inputs: missing, mis-shaped, mismatched event counts and NaN features are named', () => {
    const net = setNetwork({ inDim: 5, outDim: 1 });
    const ps = new ParamSet(net.init(prngKey(14)));
    const f = { data: new Float32Array(2 * 4 * 5), shape: [2, 4, 5] };
    const m = { data: new Float32Array(2 * 4).fill(1), shape: [2, 4] };
    assert.throws(() => checkNetworkInputs(net, { features: f }), (e: Error) => e instanceof DiffhepError && /inputs.mask/.test(e.message));
    assert.throws(() => checkNetworkInputs(net, { features: { data: new Float32Array(2 * 4 * 3), shape: [2, 4, 3] }, mask: m }), (e: Error) => e instanceof ShapeMismatchError && /inputs.features/.test(e.message));
    assert.throws(() => checkNetworkInputs(net, { features: f, mask: { data: new Float32Array(3 * 4), shape: [3, 4] } }), (e: Error) => e instanceof ShapeMismatchError && /inputs.mask/.test(e.message));
    const bad = Float32Array.from(f.data);
    bad[1 * 20 + 2 * 5 + 3] = NaN;
    assert.throws(() => predict(net, ps, { features: { data: bad, shape: [2, 4, 5] }, mask: m }), (e: Error) => /inputs.features\[event 1, element 13\]/.test(e.message) && /NaN/.test(e.message));
    assert.throws(() => checkNetworkInputs(net, { features: { data: new Float32Array(0), shape: [2, 0, 5] }, mask: { data: new Float32Array(0), shape: [2, 0] } }), (e: Error) => e instanceof DomainError && /shape\[1\]/.test(e.message));
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const p = ps.constantTree();
      assert.throws(() => net.apply(p, { features: tf.zeros([2, 4, 5]), mask: tf.zeros([2, 3]) }), (e: Error) => e instanceof ShapeMismatchError && /inputs.mask/.test(e.message));
      assert.throws(() => imageNetwork({ size: 5, channels: 2, outDim: 1 }).apply(p, { images: tf.zeros([1, 5, 4, 2]) }), (e: Error) => e instanceof ShapeMismatchError && /inputs.images/.test(e.message));
    });
    assert.equal(tf.memory().numTensors, before);
    assert.throws(() => gaussianAnsatz(vectorNetwork({ inDim: 1, outDim: 2 })), (e: Error) => e instanceof DomainError && /encoder.outDim/.test(e.message) && /2/.test(e.message));
    tf.tidy(() => {
      const ga = gaussianAnsatz(vectorNetwork({ inDim: 1, outDim: 3 }));
      const p = new ParamSet(ga.init(prngKey(1))).constantTree();
      assert.throws(() => gaussianAnsatzLoss(ga, p, { features: tf.zeros([4, 1]) }, tf.zeros([4]), { marginalPairs: 4 }), (e: Error) => e instanceof DomainError && /marginalPairs/.test(e.message));
      assert.throws(() => gaussianAnsatzLoss(ga, p, { features: tf.zeros([4, 1]) }, tf.zeros([1])), (e: Error) => e instanceof ShapeMismatchError && /z/.test(e.message));
    });
  });
});
