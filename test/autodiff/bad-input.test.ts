/**
 * Bad input is reported, never propagated: non-finite parameters and
 * gradients name the parameter's path, shape mismatches name both shapes,
 * an unknown backend names the choices. Long loops keep memory flat.
 */
import assert from 'node:assert/strict';
import { tf, valueAndGrad, grad, hessian, selectBackend, broadcastShape, assertShape, NonFiniteError, ShapeMismatchError, DiffhepError, type Tensor, type Tree } from '../../src/autodiff/index.js';

type T = Tree<Tensor>;
const f = (t: T) => {
  const p = t as unknown as { lartpc: { lifetime: Tensor; gains: Tensor } };
  return tf.sum(tf.mul(tf.sqrt(p.lartpc.gains), tf.exp(tf.div(-1, p.lartpc.lifetime))));
};

function rejects(fn: () => unknown, cls: new (...a: never[]) => Error, field: string, msg: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    assert.equal((e as DiffhepError).field, field, (e as Error).message);
    assert.match((e as Error).message, msg);
    return true;
  });
}

describe('bad input', () => {
  it('a NaN or infinite parameter is reported with its path, scalar or tensor element, small or large', () => {
    const gains = tf.tensor1d([1, 2, 3]);
    rejects(() => valueAndGrad(f)({ lartpc: { lifetime: NaN, gains } }), NonFiniteError, 'lartpc.lifetime', /parameter of 'lartpc.lifetime' is NaN/);
    rejects(() => grad(f)({ lartpc: { lifetime: Infinity, gains } }), NonFiniteError, 'lartpc.lifetime', /Infinity/);
    const bad = tf.tensor1d([1, NaN, 3]);
    rejects(() => valueAndGrad(f)({ lartpc: { lifetime: 2, gains: bad } }), NonFiniteError, 'lartpc.gains[1]', /NaN/);
    // a large tensor (checked on the device first) still names the element
    const bigValues = new Float32Array(10_000).fill(1);
    bigValues[7777] = -Infinity;
    const big = tf.tensor1d(bigValues);
    rejects(() => valueAndGrad(f)({ lartpc: { lifetime: 2, gains: big } }), NonFiniteError, 'lartpc.gains[7777]', /-Infinity/);
    rejects(() => hessian((t) => tf.square((t as { lartpc: { lifetime: Tensor } }).lartpc.lifetime))({ lartpc: { lifetime: NaN } }), NonFiniteError, 'lartpc.lifetime', /NaN/);
    [gains, bad, big].forEach((t) => t.dispose());
  });

  it('a non-finite gradient or value is reported with the path, not returned', () => {
    // d/dg √g is infinite at g = 0
    const gains = tf.tensor1d([1, 0, 4]);
    rejects(() => valueAndGrad(f)({ lartpc: { lifetime: 2, gains } }), NonFiniteError, 'lartpc.gains[1]', /gradient of 'lartpc.gains\[1\]' is Infinity/);
    // the value itself: log of a negative number
    rejects(() => valueAndGrad((t) => tf.log((t as { x: Tensor }).x))({ x: -1 }), NonFiniteError, 'value', /objective of 'value' is NaN/);
    // a hessian element
    rejects(() => hessian((t) => tf.pow((t as { x: Tensor }).x, 1.5))({ x: 0 }), NonFiniteError, 'x,x', /Hessian element/);
    // opting out returns the raw numbers
    const r = valueAndGrad(f, { checkFinite: false })({ lartpc: { lifetime: 2, gains } });
    assert.equal((r.grad as { lartpc: { gains: number[] } }).lartpc.gains[1], Infinity);
    gains.dispose();
  });

  it('shape mismatches name both shapes', () => {
    rejects(() => valueAndGrad((t) => tf.mul((t as { x: Tensor }).x, 2))({ x: tf.tensor1d([1, 2]) }), ShapeMismatchError, 'value', /expected \[\], got \[2\]/);
    rejects(() => broadcastShape([3, 4], [2, 4], 'edges, counts'), ShapeMismatchError, 'edges, counts', /\[3, 4\].*\[2, 4\]/);
    rejects(() => assertShape('lartpc.gains', [3], [4]), ShapeMismatchError, 'lartpc.gains', /expected \[3\], got \[4\]/);
  });

  it('an unknown backend is an error naming the choices', async () => {
    await assert.rejects(selectBackend('gpu-please'), (e: unknown) => e instanceof DiffhepError && e.field === 'backend' && /unknown backend 'gpu-please'/.test((e as Error).message) && /tensorflow, wasm, cpu/.test((e as Error).message));
    assert.equal(tf.getBackend(), 'wasm', 'a failed selection leaves the backend as it was');
  });

  it('a loop of gradient evaluations keeps tf.memory() flat', () => {
    const gains = tf.tensor1d([1, 2, 3]);
    const vg = valueAndGrad(f);
    vg({ lartpc: { lifetime: 2, gains } });
    const before = tf.memory();
    for (let i = 0; i < 50; i++) vg({ lartpc: { lifetime: 2 + i / 50, gains } });
    for (let i = 0; i < 5; i++) hessian(f)({ lartpc: { lifetime: 2, gains } });
    const after = tf.memory();
    assert.equal(after.numTensors, before.numTensors);
    assert.equal(after.numBytes, before.numBytes);
    gains.dispose();
  });
});
