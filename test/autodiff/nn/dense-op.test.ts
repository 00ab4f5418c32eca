/**
 * The dense layer's hand-written backward pass (src/autodiff/nn/dense-op.ts)
 * against tfjs's own gradients of the same plain ops, on the backend in use
 * (wasm) and on cpu, against finite differences, and through a second
 * derivative.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { tf, selectBackend, backendInfo, prngKey, type Tensor } from '../../../src/autodiff/index.js';
import { denseOp } from '../../../src/autodiff/nn/dense-op.js';
import { assertGradClose, assertAllClose, propertyParams, arbSeed } from '../../../src/autodiff/testing/index.js';

function normals(seed: number | string, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from(prngKey(seed).normals(n)), shape);
}

/** Gradients in x, w, b of a probe loss through denseOp and through the plain ops, both by the tape. */
function bothGradients(seed: number, n: number, inDim: number, outDim: number, relu: boolean): { op: number[][]; plain: number[][] } {
  return tf.tidy(() => {
    const x = normals(seed, [n, inDim]);
    const w = normals(seed + 1, [inDim, outDim]);
    const b = normals(seed + 2, [outDim]);
    const r = normals(seed + 3, [n, outDim]);
    const loss = (y: Tensor) => tf.sum(tf.mul(tf.tanh(y), r));
    const plain = (xx: Tensor, ww: Tensor, bb: Tensor) => {
      const z = tf.add(tf.matMul(xx, ww), bb);
      return relu ? tf.relu(z) : z;
    };
    const g1 = tf.grads((xx: Tensor, ww: Tensor, bb: Tensor) => loss(denseOp(xx, ww, bb, relu)))([x, w, b]);
    const g2 = tf.grads((xx: Tensor, ww: Tensor, bb: Tensor) => loss(plain(xx, ww, bb)))([x, w, b]);
    return { op: g1.map((g) => Array.from(g.dataSync())), plain: g2.map((g) => Array.from(g.dataSync())) };
  });
}

const SHAPES: [number, number, number][] = [
  [7, 3, 5], // widening (x packed)
  [6, 5, 2], // narrowing (g packed)
  [1, 4, 4],
  [9, 1, 6],
  [5, 6, 1],
];

describe('nn: dense layer backward pass', () => {
  it('equals tfjs gradients of the plain ops (x, w, b; linear and ReLU; widening and narrowing), on this backend and on cpu', async () => {
    assert.equal(backendInfo().backend, 'wasm', 'the suite runs on the wasm backend');
    const results: Record<string, ReturnType<typeof bothGradients>[]> = {};
    for (const be of ['wasm', 'cpu'] as const) {
      if (tf.getBackend() !== be) await selectBackend(be);
      results[be] = [];
      SHAPES.forEach(([n, i, o], k) => {
        for (const relu of [false, true]) results[be].push(bothGradients(100 + k, n, i, o, relu));
      });
    }
    await selectBackend('wasm');
    for (const be of ['wasm', 'cpu']) {
      results[be].forEach((r, k) => {
        ['x', 'w', 'b'].forEach((name, j) => assertAllClose(r.op[j], r.plain[j], 1e-5, 1e-5, `${be} case ${k} d/d${name}`));
      });
    }
    // The same on both backends (up to float32 summation order).
    results.wasm.forEach((r, k) => ['x', 'w', 'b'].forEach((name, j) => assertAllClose(r.op[j], results.cpu[k].op[j], 1e-4, 1e-5, `wasm vs cpu case ${k} d/d${name}`)));
  });

  it('forward values equal the plain ops bit for bit', () => {
    tf.tidy(() => {
      const x = normals(1, [8, 3]);
      const w = normals(2, [3, 6]);
      const b = normals(3, [6]);
      assert.deepEqual(Array.from(denseOp(x, w, b, true).dataSync()), Array.from(tf.relu(tf.add(tf.matMul(x, w), b)).dataSync()));
      assert.deepEqual(Array.from(denseOp(x, w, b, false).dataSync()), Array.from(tf.add(tf.matMul(x, w), b).dataSync()));
    });
  });

  it('gradients match finite differences (property)', () => {
    fc.assert(
      fc.property(arbSeed(), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 }), fc.boolean(), (seed, inDim, outDim, n, relu) => {
        const p = { x: normals(seed, [n, inDim]), w: normals(seed + 1, [inDim, outDim]), b: normals(seed + 2, [outDim]) };
        const r = normals(seed + 3, [n, outDim]);
        assertGradClose((q) => {
          const { x, w, b } = q as { x: Tensor; w: Tensor; b: Tensor };
          return tf.sum(tf.mul(tf.tanh(denseOp(x, w, b, relu)), r));
        }, p, { maxElements: 16, seed });
        [p.x, p.w, p.b, r].forEach((t) => t.dispose());
      }),
      propertyParams(15),
    );
  });

  it('second derivatives equal those of the plain ops (grad of a gradient norm)', () => {
    tf.tidy(() => {
      const x = normals(11, [5, 3]);
      const w = normals(12, [3, 4]);
      const b = normals(13, [4]);
      const r = normals(14, [5, 4]);
      const make = (layer: (ww: Tensor) => Tensor) => (ww: Tensor) => tf.sum(tf.square(tf.grad((v: Tensor) => tf.sum(tf.mul(tf.tanh(layer(v)), r)))(ww)));
      const viaOp = tf.grad(make((ww) => denseOp(x, ww, b, false)))(w);
      const plain = tf.grad(make((ww) => tf.add(tf.matMul(x, ww), b)))(w);
      assertAllClose(viaOp.dataSync(), plain.dataSync(), 1e-4, 1e-5, 'second derivative in w');
    });
  });

  it('keeps the tensor count flat over repeated gradients', () => {
    const x = normals(21, [16, 4]);
    const w = normals(22, [4, 8]);
    const b = normals(23, [8]);
    const step = () => tf.tidy(() => tf.grads((ww: Tensor, bb: Tensor) => tf.sum(denseOp(x, ww, bb, true)))([w, b]).forEach((g) => g.dataSync()));
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) step();
    assert.equal(tf.memory().numTensors, before);
    [x, w, b].forEach((t) => t.dispose());
  });
});
