/**
 * Differentiable scatter-add and gather on flat vectors with host-side
 * integer indices, built on scatterND / gatherND with custom gradients that
 * are each other's adjoint (so second derivatives work too). Used instead of
 * unsortedSegmentSum / gather, whose kernels are slow or lack gradients on
 * some backends.
 */
import { tf, customGradient, type Tensor } from '../../autodiff/index.js';

/** out[index[i]] += x[i]; out has `size` entries (tensor level). */
export function scatterAdd(x: Tensor, index: Int32Array, size: number): Tensor {
  const op = customGradient((a) => ({
    value: tf.tidy(() => tf.scatterND(tf.tensor2d(index, [index.length, 1], 'int32'), a.reshape([-1]), [size])),
    gradFunc: (dy) => gatherAt(dy, index),
  }));
  return op(x.reshape([-1]));
}

/** out[i] = x[index[i]] (tensor level). */
export function gatherAt(x: Tensor, index: Int32Array): Tensor {
  const n = x.size;
  const op = customGradient((a) => ({
    value: tf.tidy(() => tf.gatherND(a, tf.tensor2d(index, [index.length, 1], 'int32'))),
    gradFunc: (dy) => scatterAdd(dy, index, n),
  }));
  return op(x.reshape([-1]));
}
