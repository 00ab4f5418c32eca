/**
 * The convolution's backward pass made of forward convolutions
 * (src/autodiff/nn/conv-op.ts): values against tf.conv2d / tf.conv1d and a
 * patches-times-matrix reference, gradients against tfjs's own on this
 * backend (wasm) and on cpu, against finite differences (with dilations,
 * where tfjs has no gradient), second derivatives against finite
 * differences of the gradient, and memory.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { tf, selectBackend, backendInfo, prngKey, nn, ParamSet, hessian, type Tensor, type Tree } from '../../../src/autodiff/index.js';
import { conv2dOp, type ConvPadding } from '../../../src/autodiff/nn/conv-op.js';
import { assertGradClose, assertAllClose, propertyParams, arbSeed } from '../../../src/autodiff/testing/index.js';

type Pair = [number, number];

function normals(seed: number | string, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from(prngKey(seed).normals(n)), shape);
}

/** A loss whose gradient reaches every output element with a different weight. */
function probe(y: Tensor, seed: number): Tensor {
  return tf.sum(tf.mul(tf.tanh(y), normals(seed, y.shape)));
}

interface Case {
  x: number[];
  w: number[];
  strides: Pair;
  padding: 'same' | 'valid';
}

/** Strides 1–3, both paddings, odd and even and unequal kernel sides, rows past the last window. */
const CASES: Case[] = [
  { x: [2, 7, 7, 3], w: [3, 3, 3, 4], strides: [1, 1], padding: 'same' },
  { x: [2, 7, 6, 3], w: [3, 2, 3, 4], strides: [2, 2], padding: 'same' },
  { x: [2, 8, 9, 2], w: [2, 3, 2, 3], strides: [2, 3], padding: 'valid' },
  { x: [1, 6, 5, 2], w: [4, 4, 2, 2], strides: [1, 1], padding: 'valid' },
  { x: [1, 1, 5, 2], w: [1, 3, 2, 3], strides: [1, 2], padding: 'same' },
  { x: [2, 5, 5, 2], w: [3, 3, 2, 1], strides: [3, 3], padding: 'same' },
  { x: [1, 2, 2, 1], w: [3, 3, 1, 1], strides: [1, 1], padding: 'same' },
];

/** Input and filter gradients of a probe loss through conv2dOp and through tf.conv2d, both by the tape. */
function bothGradients(c: Case, seed: number): { op: number[][]; tfjs: number[][] } {
  return tf.tidy(() => {
    const x = normals(seed, c.x);
    const w = normals(seed + 1, c.w);
    const loss = (conv: (a: Tensor, b: Tensor) => Tensor) => (a: Tensor, b: Tensor) => probe(conv(a, b), seed + 2);
    const op = tf.grads(loss((a, b) => conv2dOp(a, b, c.strides, c.padding)))([x, w]);
    const ref = tf.grads(loss((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.padding)))([x, w]);
    return { op: op.map((g) => Array.from(g.dataSync())), tfjs: ref.map((g) => Array.from(g.dataSync())) };
  });
}

/** 'same'-padded, stride-1 convolution with an odd kernel as patches [B·H·W, kh·kw·in] times w [kh·kw·in, out]. */
function patchReference(x: Tensor, w: Tensor, b: Tensor): Tensor {
  const [kh, kw, cin, cout] = w.shape as number[];
  const [batch, h, wd] = x.shape as number[];
  const padded = tf.pad(x, [[0, 0], [(kh - 1) / 2, (kh - 1) / 2], [(kw - 1) / 2, (kw - 1) / 2], [0, 0]]);
  const patches: Tensor[] = [];
  for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) patches.push(tf.slice(padded, [0, i, j, 0], [batch, h, wd, cin]));
  const cols = tf.concat(patches, 3).reshape([batch * h * wd, kh * kw * cin]);
  return tf.add(tf.matMul(cols, w.reshape([kh * kw * cin, cout])), b).reshape([batch, h, wd, cout]);
}

describe('nn: convolution backward pass (conv2dOp)', () => {
  it('forward values equal tf.conv2d bit for bit (strides, paddings, dilations; property)', () => {
    fc.assert(
      fc.property(arbSeed(), fc.constantFrom(...CASES), fc.boolean(), (seed, c, dilate) => {
        tf.tidy(() => {
          const x = normals(seed, c.x);
          const w = normals(seed + 1, c.w);
          // tfjs allows dilations only with unit strides.
          const dil: Pair = dilate && c.strides[0] === 1 && c.strides[1] === 1 ? [2, 1] : [1, 1];
          if (c.padding === 'valid' && (c.w[0] - 1) * dil[0] + 1 > c.x[1]) return;
          const ref = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.padding, 'NHWC', dil);
          assert.deepEqual(Array.from(conv2dOp(x, w, c.strides, c.padding, dil).dataSync()), Array.from(ref.dataSync()));
        });
      }),
      propertyParams(20, 20261123),
    );
  });

  it('nn.conv2dApply and nn.conv1dApply give the values of tf.conv2d / tf.conv1d + bias bit for bit', () => {
    tf.tidy(() => {
      const p2 = new ParamSet(nn.conv2dInit(prngKey(5), 3, 2, 3, 4)).constantTree() as { w: Tensor; b: Tensor };
      const b2 = normals(6, [4]);
      const x2 = normals(7, [2, 7, 6, 3]);
      for (const [stride, padding] of [[1, 'same'], [2, 'valid']] as const) {
        const ref = tf.add(tf.conv2d(x2 as tf.Tensor4D, p2.w as tf.Tensor4D, stride, padding), b2);
        assert.deepEqual(Array.from(nn.conv2dApply({ w: p2.w, b: b2 }, x2, { stride, padding }).dataSync()), Array.from(ref.dataSync()));
      }
      const p1 = new ParamSet(nn.conv1dInit(prngKey(8), 3, 2, 5)).constantTree() as { w: Tensor; b: Tensor };
      const b1 = normals(9, [5]);
      const x1 = normals(10, [3, 11, 2]);
      for (const [stride, padding] of [[1, 'same'], [2, 'same'], [3, 'valid']] as const) {
        const ref = tf.add(tf.conv1d(x1 as tf.Tensor3D, p1.w as tf.Tensor3D, stride, padding), b1);
        assert.deepEqual(Array.from(nn.conv1dApply({ w: p1.w, b: b1 }, x1, { stride, padding }).dataSync()), Array.from(ref.dataSync()));
      }
    });
  });

  it('nn.conv2dApply (same padding, odd kernels) equals patches times the reshaped kernel (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 3, 5), fc.constantFrom(1, 3), fc.integer({ min: 1, max: 4 }), arbSeed(), (kh, kw, cin, seed) => {
        tf.tidy(() => {
          const p = new ParamSet(nn.conv2dInit(prngKey(seed), kh, kw, cin, 3)).constantTree() as { w: Tensor; b: Tensor };
          const pb = { w: p.w, b: normals(seed + 2, [3]) };
          const x = normals(seed + 1, [2, 6, 5, cin]);
          assertAllClose(nn.conv2dApply(pb, x, { padding: 'same' }).dataSync(), patchReference(x, pb.w, pb.b).dataSync(), 1e-5, 1e-5, `kernel ${kh}×${kw}, ${cin} channels`);
        });
      }),
      propertyParams(12, 20261123),
    );
  });

  it('gradients equal tfjs gradients of tf.conv2d (input and filter, every case), on this backend and on cpu', async () => {
    assert.equal(backendInfo().backend, 'wasm', 'the suite runs on the wasm backend');
    const results: Record<string, ReturnType<typeof bothGradients>[]> = {};
    try {
      for (const be of ['wasm', 'cpu'] as const) {
        if (tf.getBackend() !== be) await selectBackend(be);
        results[be] = CASES.map((c, k) => bothGradients(c, 200 + 10 * k));
      }
    } finally {
      await selectBackend('wasm');
    }
    for (const be of ['wasm', 'cpu']) {
      results[be].forEach((r, k) => ['x', 'w'].forEach((name, j) => assertAllClose(r.op[j], r.tfjs[j], 1e-4, 1e-5, `${be} case ${k} d/d${name}`)));
    }
    results.wasm.forEach((r, k) => ['x', 'w'].forEach((name, j) => assertAllClose(r.op[j], results.cpu[k].op[j], 1e-4, 1e-5, `wasm vs cpu case ${k} d/d${name}`)));
  });

  it('gradients match finite differences, with strides or dilations (property)', () => {
    fc.assert(
      fc.property(arbSeed(), fc.constantFrom(...CASES), fc.constantFrom<Pair>([1, 1], [2, 1], [2, 2]), (seed, c, dil) => {
        const dilations: Pair = c.strides[0] === 1 && c.strides[1] === 1 ? dil : [1, 1];
        if (c.padding === 'valid' && ((c.w[0] - 1) * dilations[0] + 1 > c.x[1] || (c.w[1] - 1) * dilations[1] + 1 > c.x[2])) return;
        const p = { x: normals(seed, c.x), w: normals(seed + 1, c.w) };
        assertGradClose((q) => {
          const { x, w } = q as { x: Tensor; w: Tensor };
          return probe(conv2dOp(x, w, c.strides, c.padding, dilations), seed + 2);
        }, p, { maxElements: 12, seed });
        tf.dispose([p.x, p.w]);
      }),
      propertyParams(15, 20261123),
    );
  });

  it('explicit pads (negative ones crop) give the values and gradients of padding or cropping by hand', () => {
    tf.tidy(() => {
      const x = normals(31, [1, 6, 7, 2]);
      const w = normals(32, [3, 2, 2, 2]);
      const pads: ConvPadding = [2, -1, 0, 1];
      const byHand = (a: Tensor, b: Tensor) =>
        tf.conv2d(tf.pad(tf.slice(a, [0, 0, 0, 0], [1, 5, 7, 2]), [[0, 0], [2, 0], [0, 1], [0, 0]]) as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid');
      assertAllClose(conv2dOp(x, w, [1, 1], pads).dataSync(), byHand(x, w).dataSync(), 1e-6, 1e-6, 'values');
      const g1 = tf.grads((a: Tensor, b: Tensor) => probe(conv2dOp(a, b, [1, 1], pads), 33))([x, w]);
      const g2 = tf.grads((a: Tensor, b: Tensor) => probe(byHand(a, b), 33))([x, w]);
      g1.forEach((g, i) => assertAllClose(g.dataSync(), g2[i].dataSync(), 1e-4, 1e-5, `gradient ${i}`));
    });
  });

  it('second derivatives match finite differences of the gradient (tfjs has none for conv2d)', () => {
    for (const [k, c] of [CASES[0], CASES[1], CASES[2]].entries()) {
      const x = normals(40 + k, c.x);
      const w = normals(50 + k, c.w);
      // A function of both operands built from a first gradient: ‖∂L/∂x‖² + ‖∂L/∂w‖².
      const gradNorm = (q: Tree<Tensor>) => {
        const { x: a, w: b } = q as { x: Tensor; w: Tensor };
        const [gx, gw] = tf.grads((u: Tensor, v: Tensor) => probe(conv2dOp(u, v, c.strides, c.padding), 60 + k))([a, b]);
        return tf.add(tf.sum(tf.square(gx)), tf.sum(tf.square(gw)));
      };
      assertGradClose(gradNorm, { x, w }, { maxElements: 12, seed: k, richardson: true });
      tf.dispose([x, w]);
    }
  });

  it('hessian() through nn.conv2dApply (stride 2) matches finite differences of the gradient', () => {
    const x = normals(81, [1, 5, 4, 2]);
    const v0 = Float32Array.from(prngKey(82).normals(3 * 2 * 2 * 2 + 2), (z) => 0.5 * z);
    const f = (v: Tensor) => {
      const w = tf.reshape(tf.slice(v, [0], [24]), [3, 2, 2, 2]);
      const b = tf.slice(v, [24], [2]);
      return probe(nn.conv2dApply({ w, b }, x, { stride: 2, padding: 'same' }), 83);
    };
    const { matrix } = hessian((q) => f((q as { v: Tensor }).v))({ v: tf.tensor1d(v0) });
    const h = 1e-2;
    const gradAt = (v: Float32Array) => tf.tidy(() => Array.from(tf.grad(f)(tf.tensor1d(v)).dataSync()));
    for (let i = 0; i < v0.length; i++) {
      const vp = Float32Array.from(v0);
      const vm = Float32Array.from(v0);
      vp[i] += h;
      vm[i] -= h;
      const gp = gradAt(vp);
      const gm = gradAt(vm);
      const column = gp.map((g, j) => (g - gm[j]) / (vp[i] - vm[i]));
      assertAllClose(matrix.map((r) => r[i]), column, 2e-2, 2e-3, `Hessian column ${i}`);
    }
    x.dispose();
  });

  it('keeps the tensor count flat over repeated gradients', () => {
    const x = normals(71, [4, 7, 7, 3]);
    const p = new ParamSet(nn.conv2dInit(prngKey(72), 3, 3, 3, 5)).constantTree();
    const step = () => tf.tidy(() => tf.grads((a: Tensor, w: Tensor) => probe(nn.conv2dApply({ ...(p as object), w } as Tree<Tensor>, a, { stride: 2 }), 73))([x, (p as { w: Tensor }).w]).forEach((g) => g.dataSync()));
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) step();
    assert.equal(tf.memory().numTensors, before);
    tf.dispose(x);
  });
});
