import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { tf, ParamSet, prngKey, nn, minimize, adam, type Tensor, type Tree, type ParamDefTree } from '../../../src/autodiff/index.js';
import { assertGradClose, propertyParams, arbSeed } from '../../../src/autodiff/testing/index.js';

/** Parameter tree of a network as constant tensors (for checkGrad and forward passes). */
function tree(defs: ParamDefTree): Tree<Tensor> {
  return new ParamSet(defs).constantTree();
}

/** A [shape] tensor of standard normals drawn from a seed. */
function normals(seed: number | string, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from(prngKey(seed).normals(n)), shape);
}

/** Sum of squares of a tensor against fixed random weights: a loss whose gradient reaches every output element. */
function probe(y: Tensor, seed = 99): Tensor {
  return tf.tidy(() => tf.sum(tf.mul(tf.tanh(y), normals(seed, y.shape))));
}

const ACTIVATIONS: nn.Activation[] = ['relu', 'sigmoid', 'tanh', 'softmax', 'gelu', 'elu', 'leakyRelu', 'swish', 'softplus', 'linear'];

describe('nn: activations', () => {
  it('match reference values', () => {
    const x = tf.tensor1d([-1, 0, 1]);
    const v = (a: nn.Activation) => Array.from(nn.activate(x, a).dataSync());
    const close = (a: number[], b: number[], what: string) => a.forEach((ai, i) => assert.ok(Math.abs(ai - b[i]) < 1e-5, `${what}[${i}]: ${ai} vs ${b[i]}`));
    close(v('relu'), [0, 0, 1], 'relu');
    close(v('sigmoid'), [1 / (1 + Math.E), 0.5, 1 / (1 + Math.exp(-1))], 'sigmoid');
    close(v('tanh'), [-Math.tanh(1), 0, Math.tanh(1)], 'tanh');
    close(v('elu'), [Math.exp(-1) - 1, 0, 1], 'elu');
    close(v('leakyRelu'), [-0.01, 0, 1], 'leakyRelu');
    close(v('swish'), [-1 / (1 + Math.E), 0, 1 / (1 + Math.exp(-1))], 'swish');
    close(v('softplus'), [Math.log1p(Math.exp(-1)), Math.LN2, Math.log1p(Math.E)], 'softplus');
    // GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))
    const gelu = (z: number) => 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z ** 3)));
    close(v('gelu'), [gelu(-1), 0, gelu(1)], 'gelu');
    close(v('linear'), [-1, 0, 1], 'linear');
    const e = [Math.exp(-1), 1, Math.E];
    close(v('softmax'), e.map((t) => t / (e[0] + e[1] + e[2])), 'softmax');
  });

  it('gradients match finite differences for every activation (property)', () => {
    fc.assert(
      fc.property(arbSeed(), fc.constantFrom(...ACTIVATIONS), (seed, a) => {
        const x = normals(seed, [3, 4]);
        assertGradClose((q) => probe(nn.activate((q as { x: Tensor }).x, a)), { x }, { maxElements: 12, seed });
        x.dispose();
      }),
      propertyParams(20),
    );
  });
});

describe('nn: dense and MLP', () => {
  it('dense: gradients in w, b and x match finite differences; leading axes are kept (property)', () => {
    fc.assert(
      fc.property(arbSeed(), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), (seed, inDim, outDim, batch) => {
        const key = prngKey(seed);
        const p = tree(nn.denseInit(key, inDim, outDim));
        const x = normals(seed + 1, [batch, inDim]);
        assertGradClose((q) => probe(nn.denseApply(q, x)), p, { maxElements: 12, seed });
        assertGradClose((q) => probe(nn.denseApply(p, (q as { x: Tensor }).x)), { x }, { maxElements: 12, seed });
        // [batch, set, in] → [batch, set, out], equal to applying the layer to each [set, in] slice
        const x3 = normals(seed + 2, [batch, 3, inDim]);
        const y3 = nn.denseApply(p, x3);
        assert.deepEqual(y3.shape, [batch, 3, outDim]);
        const y2 = nn.denseApply(p, x3.reshape([batch * 3, inDim]));
        assert.deepEqual(Array.from(y3.dataSync()), Array.from(y2.dataSync()));
        assert.deepEqual(nn.denseApply(p, tf.zeros([inDim])).shape, [outDim]);
      }),
      propertyParams(12),
    );
  });

  it('MLP: gradients in every layer and in the input match finite differences, for each hidden activation (property)', () => {
    fc.assert(
      fc.property(arbSeed(), fc.constantFrom<nn.Activation>('tanh', 'gelu', 'elu', 'swish', 'softplus', 'sigmoid'), fc.constantFrom<nn.Activation>('linear', 'softmax', 'sigmoid'), (seed, activation, outputActivation) => {
        const key = prngKey(seed);
        const p = tree(nn.mlpInit(key, [3, 5, 4, 2], { init: seed % 2 ? 'he' : 'glorot' }));
        const x = normals(seed + 1, [4, 3]);
        assertGradClose((q) => probe(nn.mlpApply(q, x, { activation, outputActivation })), p, { maxElements: 16, seed });
        assertGradClose((q) => probe(nn.mlpApply(p, (q as { x: Tensor }).x, { activation, outputActivation })), { x }, { maxElements: 12, seed });
      }),
      propertyParams(10),
    );
  });

  it('keeps the hw layout: layers[i].w is [in][out], b is [out], through ParamSet JSON', () => {
    const defs = nn.mlpInit(prngKey(7), [6, 4, 3]);
    const ps = new ParamSet(defs);
    assert.deepEqual(ps.paths, ['layers.0.w', 'layers.0.b', 'layers.1.w', 'layers.1.b']);
    const layers = (defs as unknown as { layers: { w: { shape: number[] }; b: { shape: number[] } }[] }).layers;
    assert.deepEqual(layers.map((l) => [l.w.shape, l.b.shape]), [[[6, 4], [4]], [[4, 3], [3]]]);
    const back = ParamSet.fromJSON(JSON.parse(JSON.stringify(ps.toJSON())));
    const x = normals(8, [5, 6]);
    const a = nn.mlpApply(ps.constantTree(), x).dataSync();
    const b = nn.mlpApply(back.constantTree(), x).dataSync();
    assert.deepEqual(Array.from(b), Array.from(a));
    // y = relu(x·W₀ + b₀)·W₁ + b₁ computed by hand from the plain arrays
    const plain = ps.values() as { layers: { w: number[]; b: number[] }[] };
    const xs = x.arraySync() as number[][];
    const h = xs.map((row) => Array.from({ length: 4 }, (_, j) => Math.max(0, row.reduce((s, v, i) => s + v * plain.layers[0].w[i * 4 + j], 0) + plain.layers[0].b[j])));
    const y = h.map((row) => Array.from({ length: 3 }, (_, j) => row.reduce((s, v, i) => s + v * plain.layers[1].w[i * 3 + j], 0) + plain.layers[1].b[j]));
    y.flat().forEach((v, i) => assert.ok(Math.abs(v - a[i]) < 1e-5, `${i}: ${v} vs ${a[i]}`));
  });

  it('minimize trains an MLP classifier (two moons by a PRNGKey) to > 95 % accuracy', function () {
    this.timeout(60000);
    const key = prngKey(31);
    const n = 200;
    const u = key.fold('t').uniforms(n);
    const noise = key.fold('noise').normals(2 * n);
    const pts: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < n; i++) {
      const c = i % 2;
      const t = Math.PI * u[i];
      pts.push(c ? [1 - Math.cos(t) + 0.1 * noise[2 * i], 0.5 - Math.sin(t) + 0.1 * noise[2 * i + 1]] : [Math.cos(t) + 0.1 * noise[2 * i], Math.sin(t) + 0.1 * noise[2 * i + 1]]);
      labels.push(c);
    }
    const x = tf.tensor2d(pts);
    const y = tf.tensor2d(labels, [n, 1]);
    const r = minimize((p) => tf.losses.sigmoidCrossEntropy(y, nn.mlpApply(p, x, { activation: 'tanh' })), new ParamSet(nn.mlpInit(key.fold('init'), [2, 16, 16, 1])), { steps: 300, optimizer: adam({ learningRate: 0.02 }) });
    const logits = nn.mlpApply(r.params.constantTree(), x, { activation: 'tanh' }).dataSync();
    const acc = labels.filter((l, i) => (logits[i] > 0 ? 1 : 0) === l).length / n;
    assert.ok(acc > 0.95, `accuracy ${acc}`);
    tf.dispose([x, y]);
  });
});

describe('nn: convolutions', () => {
  const outLen = (len: number, k: number, s: number, padding: 'same' | 'valid') => (padding === 'same' ? Math.ceil(len / s) : Math.ceil((len - k + 1) / s));

  it('conv1d: output shapes and gradients in w, b and x (property)', () => {
    fc.assert(
      fc.property(arbSeed(), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.constantFrom<'same' | 'valid'>('same', 'valid'), fc.integer({ min: 3, max: 8 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), (seed, k, stride, padding, len, inCh, outCh) => {
        const p = tree(nn.conv1dInit(prngKey(seed), k, inCh, outCh));
        const x = normals(seed + 1, [2, len, inCh]);
        const y = nn.conv1dApply(p, x, { stride, padding });
        assert.deepEqual(y.shape, [2, outLen(len, k, stride, padding), outCh]);
        assertGradClose((q) => probe(nn.conv1dApply(q, x, { stride, padding })), p, { maxElements: 10, seed });
        assertGradClose((q) => probe(nn.conv1dApply(p, (q as { x: Tensor }).x, { stride, padding })), { x }, { maxElements: 10, seed });
      }),
      propertyParams(10),
    );
  });

  it('conv1d with a [1, in, out] kernel is a dense layer applied at every position', () => {
    const p = tree(nn.conv1dInit(prngKey(3), 1, 3, 2));
    const x = normals(4, [2, 5, 3]);
    const { w, b } = p as { w: Tensor; b: Tensor };
    const dense = nn.denseApply({ w: w.reshape([3, 2]), b }, x);
    const conv = nn.conv1dApply(p, x);
    Array.from(conv.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - dense.dataSync()[i]) < 1e-5));
  });

  it('conv2d: output shapes and gradients in w, b and x (property)', () => {
    fc.assert(
      fc.property(arbSeed(), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.constantFrom<'same' | 'valid'>('same', 'valid'), fc.integer({ min: 3, max: 6 }), (seed, kh, kw, stride, padding, size) => {
        const p = tree(nn.conv2dInit(prngKey(seed), kh, kw, 2, 3));
        const x = normals(seed + 1, [2, size, size + 1, 2]);
        const y = nn.conv2dApply(p, x, { stride, padding });
        assert.deepEqual(y.shape, [2, outLen(size, kh, stride, padding), outLen(size + 1, kw, stride, padding), 3]);
        assertGradClose((q) => probe(nn.conv2dApply(q, x, { stride, padding })), p, { maxElements: 10, seed });
        assertGradClose((q) => probe(nn.conv2dApply(p, (q as { x: Tensor }).x, { stride, padding })), { x }, { maxElements: 10, seed });
      }),
      propertyParams(8),
    );
  });

  it('rejects inputs of the wrong rank or channel count, naming the layer', () => {
    const p1 = tree(nn.conv1dInit(prngKey(0), 3, 2, 4));
    assert.throws(() => nn.conv1dApply(p1, tf.zeros([2, 5, 3])), /conv1d input.*\[2, 5, 3\]/);
    const p2 = tree(nn.conv2dInit(prngKey(0), 3, 3, 2, 4));
    assert.throws(() => nn.conv2dApply(p2, tf.zeros([2, 5, 2])), /conv2d input/);
    assert.throws(() => nn.conv2dInit(prngKey(0), 0, 3, 2, 4), /'kh' = 0/);
  });
});

describe('nn: Deep Sets', () => {
  const key = prngKey(2);
  const p = tree(nn.deepSetsInit(key, { inDim: 3, phi: [8, 6], rho: [8], outDim: 2 }));
  const n = 6;

  it('is invariant under permutations of the set, with and without a mask, for sum, mean and max pooling (property)', () => {
    fc.assert(
      fc.property(arbSeed(), fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }), fc.constantFrom<'sum' | 'mean' | 'max'>('sum', 'mean', 'max'), (seed, perm, pooling) => {
        const data = Array.from(prngKey(seed).normals(n * 3));
        const x = tf.tensor3d(data, [1, n, 3]);
        const xp = tf.tensor3d(perm.flatMap((i) => data.slice(3 * i, 3 * i + 3)), [1, n, 3]);
        const mask = tf.tensor2d([[1, 1, 1, 1, 0, 0]]);
        const maskP = tf.tensor2d([perm.map((i) => (i < 4 ? 1 : 0))]);
        const a = nn.deepSetsApply(p, x, { pooling }).dataSync();
        const b = nn.deepSetsApply(p, xp, { pooling }).dataSync();
        const am = nn.deepSetsApply(p, x, { pooling, mask }).dataSync();
        const bm = nn.deepSetsApply(p, xp, { pooling, mask: maskP }).dataSync();
        a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-4 * (1 + Math.abs(v)), `${pooling}: ${v} vs ${b[i]}`));
        am.forEach((v, i) => assert.ok(Math.abs(v - bm[i]) < 1e-4 * (1 + Math.abs(v)), `${pooling} masked: ${v} vs ${bm[i]}`));
        tf.dispose([x, xp, mask, maskP]);
      }),
      propertyParams(15),
    );
  });

  it('a masked set equals the set without its padding; padding values do not matter; an empty set is finite', () => {
    for (const pooling of ['sum', 'mean', 'max'] as const) {
      const x = normals(5, [1, n, 3]);
      const junk = tf.concat([x.slice([0, 0, 0], [1, 4, 3]), tf.fill([1, 2, 3], 1e3)], 1);
      const mask = tf.tensor2d([[1, 1, 1, 1, 0, 0]]);
      const short = nn.deepSetsApply(p, x.slice([0, 0, 0], [1, 4, 3]), { pooling }).dataSync();
      const masked = nn.deepSetsApply(p, x, { pooling, mask }).dataSync();
      const maskedJunk = nn.deepSetsApply(p, junk, { pooling, mask }).dataSync();
      short.forEach((v, i) => {
        assert.ok(Math.abs(v - masked[i]) < 1e-5 * (1 + Math.abs(v)), `${pooling}: ${v} vs ${masked[i]}`);
        assert.ok(Math.abs(v - maskedJunk[i]) < 1e-5 * (1 + Math.abs(v)), `${pooling} junk: ${v} vs ${maskedJunk[i]}`);
      });
      const empty = nn.deepSetsApply(p, x, { pooling, mask: tf.zeros([1, n]) }).dataSync();
      const fromZero = nn.mlpApply((p as { rho: Tree<Tensor> }).rho, tf.zeros([1, 6])).dataSync();
      empty.forEach((v, i) => assert.ok(Math.abs(v - fromZero[i]) < 1e-5, `${pooling} empty set pools to zero: ${v} vs ${fromZero[i]}`));
    }
  });

  it('gradients in φ, ρ and the set elements match finite differences, with a mask (property)', () => {
    fc.assert(
      fc.property(arbSeed(), fc.constantFrom<'sum' | 'mean' | 'max'>('sum', 'mean', 'max'), (seed, pooling) => {
        const q0 = tree(nn.deepSetsInit(prngKey(seed), { inDim: 2, phi: [5, 4], rho: [4], outDim: 2 }));
        const x = normals(seed + 1, [2, 4, 2]);
        const mask = tf.tensor2d([[1, 1, 1, 0], [1, 1, 1, 1]]);
        const opts = { pooling, mask, activation: 'tanh' as const };
        assertGradClose((q) => probe(nn.deepSetsApply(q, x, opts)), q0, { maxElements: 16, seed });
        assertGradClose((q) => probe(nn.deepSetsApply(q0, (q as { x: Tensor }).x, opts)), { x }, { maxElements: 12, seed });
      }),
      propertyParams(9),
    );
  });
});

describe('nn: batch norm', () => {
  it('training mode: zero mean, unit variance per feature; running statistics updated with the momentum', () => {
    const { params, state } = nn.batchNormInit(2);
    const p = new ParamSet(params).constantTree();
    const x = tf.tensor2d([1, 10, 3, 20, 5, 30], [3, 2]);
    const r = nn.batchNormApply(p, state, x, { training: true, momentum: 0.5, epsilon: 0 });
    const y = r.y.arraySync() as number[][];
    for (const c of [0, 1]) {
      const col = y.map((row) => row[c]);
      assert.ok(Math.abs(col.reduce((a, b) => a + b, 0)) < 1e-5, 'zero mean');
      assert.ok(Math.abs(col.reduce((a, b) => a + b * b, 0) / 3 - 1) < 1e-4, 'unit variance');
    }
    // mean (3, 20), biased variance (8/3, 200/3); running = 0.5·old + 0.5·batch
    assert.ok(Math.abs(r.state.mean[0] - 1.5) < 1e-6 && Math.abs(r.state.mean[1] - 10) < 1e-5, `${r.state.mean}`);
    assert.ok(Math.abs(r.state.variance[0] - (0.5 + 4 / 3)) < 1e-5 && Math.abs(r.state.variance[1] - (0.5 + 100 / 3)) < 1e-4, `${r.state.variance}`);
    assert.deepEqual(Array.from(state.mean), [0, 0], 'the input state is not modified');
  });

  it('inference mode uses the running statistics: y = γ(x − mean)/√(var + ε) + β', () => {
    const ps = new ParamSet(nn.batchNormInit(3).params);
    ps.set('gamma', [2, 0.5, 1]).set('beta', [0, 1, -1]);
    const st = { mean: Float32Array.of(1, -2, 0.5), variance: Float32Array.of(4, 0.25, 1) };
    const x = normals(12, [5, 3]);
    const r = nn.batchNormApply(ps.constantTree(), st, x, { training: false, epsilon: 1e-3 });
    assert.equal(r.state, st, 'statistics unchanged in inference');
    const xs = x.dataSync();
    const g = [2, 0.5, 1];
    const b = [0, 1, -1];
    Array.from(r.y.dataSync()).forEach((v, i) => {
      const c = i % 3;
      const want = (g[c] * (xs[i] - st.mean[c])) / Math.sqrt(st.variance[c] + 1e-3) + b[c];
      assert.ok(Math.abs(v - want) < 1e-5, `${i}: ${v} vs ${want}`);
    });
  });

  it('running statistics converge to the population mean and variance over many batches', () => {
    let st = nn.batchNormInit(2).state;
    const p = new ParamSet(nn.batchNormInit(2).params).constantTree();
    const batch = 64;
    for (let i = 0; i < 150; i++) {
      const z = prngKey(40).fold(i).normals(batch * 2);
      // feature 0 ~ N(3, 2²), feature 1 ~ N(−1, 0.5²)
      const x = tf.tensor2d(Array.from(z, (v, k) => (k % 2 ? -1 + 0.5 * v : 3 + 2 * v)), [batch, 2]);
      const r = nn.batchNormApply(p, st, x, { training: true, momentum: 0.9 });
      st = r.state;
      tf.dispose([x, r.y]);
    }
    const shrink = (batch - 1) / batch; // the batch variance is the biased estimate
    assert.ok(Math.abs(st.mean[0] - 3) < 0.15 && Math.abs(st.mean[1] + 1) < 0.04, `mean ${st.mean}`);
    assert.ok(Math.abs(st.variance[0] / (4 * shrink) - 1) < 0.1 && Math.abs(st.variance[1] / (0.25 * shrink) - 1) < 0.1, `variance ${st.variance}`);
  });

  it('gradients in γ, β and the input match finite differences, in training and inference (property)', () => {
    fc.assert(
      fc.property(arbSeed(), fc.integer({ min: 2, max: 6 }), (seed, batch) => {
        const ps = new ParamSet(nn.batchNormInit(3).params);
        const key = prngKey(seed);
        ps.set('gamma', Array.from(key.fold('g').normals(3), (z) => 1 + 0.3 * z)).set('beta', Array.from(key.fold('b').normals(3)));
        const p = ps.constantTree();
        const st = { mean: Float32Array.of(0.1, -0.2, 0.3), variance: Float32Array.of(1.5, 0.7, 2) };
        const x = tf.mul(normals(seed + 1, [batch, 3]), 2);
        for (const training of [true, false]) {
          assertGradClose((q) => probe(nn.batchNormApply(q, st, x, { training }).y), p, { seed });
          assertGradClose((q) => probe(nn.batchNormApply(p, st, (q as { x: Tensor }).x, { training }).y), { x }, { maxElements: 12, seed });
        }
      }),
      propertyParams(10),
    );
  });

  it('rejects bad statistics, momentum and a batch of one in training', () => {
    const { params, state } = nn.batchNormInit(2);
    const p = new ParamSet(params).constantTree();
    assert.throws(() => nn.batchNormApply(p, { mean: new Float32Array(3), variance: new Float32Array(3) }, tf.zeros([4, 2]), { training: true }), /batch norm state/);
    assert.throws(() => nn.batchNormApply(p, state, tf.zeros([4, 2]), { training: true, momentum: 1.5 }), /'momentum' = 1\.5/);
    assert.throws(() => nn.batchNormApply(p, state, tf.zeros([1, 2]), { training: true }), /batch size/);
    assert.throws(() => nn.batchNormApply(p, state, tf.zeros([4, 3]), { training: false }), /batch norm input/);
    assert.throws(() => nn.batchNormInit(0), /'dim' = 0/);
  });
});

describe('nn: initializers', () => {
  const stats = (a: number[]) => {
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    return { mean, variance: a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length, max: Math.max(...a.map(Math.abs)) };
  };

  it('Glorot uniform: variance 2/(fanIn + fanOut), zero mean, within ±√(6/(fanIn + fanOut)); He normal: variance 2/fanIn', () => {
    const g = stats((nn.glorotUniform(prngKey(4), [200, 300]) as number[][]).flat());
    assert.ok(Math.abs(g.variance / (2 / 500) - 1) < 0.03, `glorot variance ${g.variance}`);
    assert.ok(Math.abs(g.mean) < 3 * Math.sqrt(2 / 500 / 60000), `glorot mean ${g.mean}`);
    assert.ok(g.max <= Math.sqrt(6 / 500), 'glorot bound');
    const h = stats((nn.heNormal(prngKey(5), [200, 300]) as number[][]).flat());
    assert.ok(Math.abs(h.variance / (2 / 200) - 1) < 0.03, `he variance ${h.variance}`);
    assert.ok(Math.abs(h.mean) < 3 * Math.sqrt(2 / 200 / 60000), `he mean ${h.mean}`);
  });

  it('convolution kernels count the receptive field in the fans; the key fixes the draw', () => {
    // [3, 3, 16, 32]: fanIn = 9·16, fanOut = 9·32
    const k = stats((nn.heNormal(prngKey(6), [3, 3, 16, 32]) as number[][][][]).flat(3));
    assert.ok(Math.abs(k.variance / (2 / 144) - 1) < 0.05, `he conv variance ${k.variance}`);
    const gk = stats((nn.glorotUniform(prngKey(6), [3, 3, 16, 32]) as number[][][][]).flat(3));
    assert.ok(Math.abs(gk.variance / (2 / (144 + 288)) - 1) < 0.05, `glorot conv variance ${gk.variance}`);
    assert.deepEqual(nn.glorotUniform(prngKey(1), [3, 2]), nn.glorotUniform(prngKey(1), [3, 2]));
    assert.notDeepEqual(nn.glorotUniform(prngKey(1), [3, 2]), nn.glorotUniform(prngKey(2), [3, 2]));
    assert.deepEqual(nn.zeros([2, 3]), [[0, 0, 0], [0, 0, 0]]);
  });
});

describe('nn: input errors', () => {
  it('rejects bad sizes and mismatched inputs, naming them', () => {
    assert.throws(() => nn.mlpInit(prngKey(0), [3]), /sizes/);
    assert.throws(() => nn.denseInit(prngKey(0), 0, 3), /inDim/);
    assert.throws(() => nn.deepSetsInit(prngKey(0), { inDim: 2, phi: [], rho: [], outDim: 1 }), /'phi'/);
    const p = tree(nn.mlpInit(prngKey(0), [3, 2]));
    assert.throws(() => nn.mlpApply(p, tf.zeros([2, 4])), /dense input.*\[-1, 3\].*\[2, 4\]/);
    assert.throws(() => nn.activate(tf.zeros([1]), 'bogus' as never), /activation/);
    const ds = tree(nn.deepSetsInit(prngKey(0), { inDim: 2, phi: [3], rho: [], outDim: 1 }));
    assert.throws(() => nn.deepSetsApply(ds, tf.zeros([2, 4, 2]), { mask: tf.ones([2, 3]) }), /deep sets mask/);
  });

  it('forward passes leave no tensor behind', () => {
    const p = tree(nn.deepSetsInit(prngKey(0), { inDim: 2, phi: [3], rho: [4], outDim: 1 }));
    const x = tf.zeros([2, 4, 2]);
    const before = tf.memory().numTensors;
    const y = nn.deepSetsApply(p, x, { pooling: 'max', mask: tf.tidy(() => tf.ones([2, 4])) });
    assert.equal(tf.memory().numTensors, before + 2, 'only the output and the mask remain');
    y.dispose();
  });
});
