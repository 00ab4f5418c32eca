/** Shared checks for the autodiff core's tests. */
import assert from 'node:assert/strict';
import { tf } from '../../src/autodiff/index.js';
export { assertClose, assertAllClose, assertGradOk } from '../../src/autodiff/testing/index.js';

/** Flat float64 copy of a tensor's values. */
export function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

/** Runs `fn` and asserts that it leaves no tensor behind. */
export function assertNoLeak<T>(fn: () => T, what: string): T {
  const before = tf.memory().numTensors;
  const r = fn();
  assert.equal(tf.memory().numTensors, before, `${what}: ${tf.memory().numTensors - before} tensors leaked`);
  return r;
}
