/**
 * Custom-gradient building blocks: stopGradient, straightThrough, checkpoint
 * (values, gradients and live tensors), gradient clipping.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tf, valueAndGrad, stopGradient, straightThrough, checkpoint, clipGradientNorm, clipGradientValue, clipByGlobalNorm, DomainError, type Tensor, type Tree } from '../../src/autodiff/index.js';
import { checkGrad, propertyParams, arbFloat32, arbTensorData } from '../../src/autodiff/testing/index.js';
import { assertClose, assertAllClose, assertGradOk, values, assertNoLeak } from './helpers.js';

/** A chain of 25 elementwise stages, the kind of pipeline checkpointing is for. */
function chain(x: Tensor): Tensor {
  let y = x;
  for (let i = 0; i < 25; i++) y = tf.sin(tf.add(tf.mul(y, 1.1), 0.1 * i));
  return y;
}

describe('custom gradients', () => {
  it('stopGradient keeps the value and blocks the gradient', () => {
    const f = (t: Tree<Tensor>) => {
      const x = (t as { x: Tensor }).x;
      return tf.sum(tf.add(tf.square(x), stopGradient(tf.mul(tf.square(x), 3))));
    };
    const r = valueAndGrad(f)({ x: tf.tensor1d([1, -2]) });
    assert.equal(r.value, 4 * (1 + 4));
    assert.deepEqual((r.grad as { x: number[] }).x, [2, -4]);
  });

  it('straightThrough takes the forward value of its function and the gradient of the identity (property)', () => {
    fc.assert(
      fc.property(arbTensorData([5], -3, 3), (d) => {
        const x = tf.tensor(d.values, d.shape);
        const st = straightThrough((v) => tf.round(tf.mul(v, 2)));
        const r = valueAndGrad((t: Tree<Tensor>) => tf.sum(tf.mul(st((t as { x: Tensor }).x), tf.tensor1d([1, 2, 3, 4, 5]))))({ x });
        assertClose(r.value, d.values.reduce((s, v, i) => s + Math.round(2 * Math.fround(v)) * (i + 1), 0), 0, 1e-4, 'forward');
        // tf.round rounds half to even; values on exact halves are measure zero here
        assert.deepEqual((r.grad as { x: number[] }).x, [1, 2, 3, 4, 5]);
        x.dispose();
      }),
      propertyParams(15, 301),
    );
  });

  it('checkpoint gives the same values and gradients as the plain function (property)', () => {
    fc.assert(
      fc.property(arbTensorData([6], -1, 1), (d) => {
        const x = tf.tensor(d.values, d.shape);
        const plain = valueAndGrad((t: Tree<Tensor>) => tf.sum(chain((t as { x: Tensor }).x)))({ x });
        const ck = valueAndGrad((t: Tree<Tensor>) => tf.sum(checkpoint(chain)((t as { x: Tensor }).x)))({ x });
        assertClose(ck.value, plain.value, 0, 0, 'value');
        assertAllClose((ck.grad as { x: number[] }).x, (plain.grad as { x: number[] }).x, 1e-6, 1e-7, 'gradient');
        assertGradOk(checkGrad((t) => tf.sum(checkpoint(chain)((t as { x: Tensor }).x)), { x }, { rtol: 2e-2, atol: 1e-3 }), 'checkpoint vs fd');
        x.dispose();
      }),
      propertyParams(6, 302),
    );
  });

  it('checkpoint keeps far fewer tensors alive between the forward and the backward pass', () => {
    const x = tf.tensor1d(Array.from({ length: 1000 }, (_, i) => Math.sin(i)));
    const liveDuringForward = (wrap: (v: Tensor) => Tensor) => {
      let live = { tensors: 0, bytes: 0 };
      assertNoLeak(() => tf.tidy(() => {
        tf.grad((v: Tensor) => {
          const m0 = tf.memory();
          const y = tf.sum(wrap(v));
          const m1 = tf.memory();
          live = { tensors: m1.numTensors - m0.numTensors, bytes: m1.numBytes - m0.numBytes };
          return y;
        })(x);
      }), 'gradient of the chain');
      return live;
    };
    const plain = liveDuringForward(chain);
    const ck = liveDuringForward(checkpoint(chain));
    // plain: every stage's output and saved inputs stay (≥ 3 tensors per stage);
    // checkpointed: the saved input copy, the output and the sum.
    assert.ok(plain.tensors >= 75, `plain chain kept ${plain.tensors} tensors`);
    assert.ok(ck.tensors <= 5, `checkpointed chain kept ${ck.tensors} tensors`);
    assert.ok(ck.bytes * 10 < plain.bytes, `checkpointed ${ck.bytes} B vs plain ${plain.bytes} B`);
    x.dispose();
  });

  it('clipGradientNorm rescales the incoming gradient to the maximum norm, and only when it exceeds it', () => {
    const w = tf.tensor1d([3, 4]); // upstream gradient of norm 5
    const g = (maxNorm: number) => (valueAndGrad((t: Tree<Tensor>) => tf.sum(tf.mul(clipGradientNorm((t as { x: Tensor }).x, maxNorm), w)))({ x: tf.tensor1d([1, 1]) }).grad as { x: number[] }).x;
    assertAllClose(g(1), [0.6, 0.8], 1e-6, 1e-7, 'clipped to norm 1');
    assertAllClose(g(10), [3, 4], 0, 0, 'unclipped');
    assert.throws(() => clipGradientNorm(w, 0), (e: unknown) => e instanceof DomainError && /maxNorm/.test(e.message));
    w.dispose();
  });

  it('clipGradientValue clips the gradient elementwise and keeps the value', () => {
    const w = tf.tensor1d([-5, 0.5, 7]);
    const r = valueAndGrad((t: Tree<Tensor>) => tf.sum(tf.mul(clipGradientValue((t as { x: Tensor }).x, -1, 2), w)))({ x: tf.tensor1d([1, 2, 3]) });
    assertClose(r.value, -5 + 1 + 21, 0, 1e-6, 'value');
    assert.deepEqual((r.grad as { x: number[] }).x, [-1, 0.5, 2]);
    assert.throws(() => clipGradientValue(w, 1, 1), (e: unknown) => e instanceof DomainError && /clip range/.test(e.message));
    w.dispose();
  });

  it('clipByGlobalNorm scales a list of gradients to the global norm (property)', () => {
    fc.assert(
      fc.property(arbTensorData([3], -5, 5), arbTensorData([2, 2], -5, 5), arbFloat32(0.1, 20), (a, b, maxNorm) => {
        const gs = [tf.tensor(a.values, a.shape), tf.tensor(b.values, b.shape)];
        const norm = Math.sqrt([...a.values, ...b.values].reduce((s, v) => s + v * v, 0));
        const out = clipByGlobalNorm(gs, maxNorm);
        const scale = Math.min(1, maxNorm / Math.max(norm, 1e-30));
        assertAllClose(values(out[0]), a.values.map((v) => v * scale), 1e-5, 1e-6, 'first');
        assertAllClose(values(out[1]), b.values.map((v) => v * scale), 1e-5, 1e-6, 'second');
        assert.deepEqual(out[1].shape, [2, 2]);
        [...gs, ...out].forEach((t) => t.dispose());
      }),
      propertyParams(20, 303),
    );
    assert.throws(() => clipByGlobalNorm([], -1), (e: unknown) => e instanceof DomainError);
  });
});
