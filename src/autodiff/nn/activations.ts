/** Activation functions by name, so a network's description is plain data. */
import { tf, type Tensor } from '../tf.js';
import { DomainError } from '../errors.js';

/** Names of the supported activations. */
export type Activation = 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'gelu' | 'elu' | 'leakyRelu' | 'swish' | 'softplus' | 'linear';

/**
 * Applies an activation (softmax over the last axis; GELU in its tanh form).
 *
 * @example
 * ```ts
 * activate(tf.tensor1d([-1, 0, 1]), 'relu'); // [0, 0, 1]
 * ```
 */
export function activate(x: Tensor, a: Activation): Tensor {
  switch (a) {
    case 'relu':
      return tf.relu(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'softmax':
      return tf.softmax(x);
    case 'gelu':
      // tanh approximation (Hendrycks & Gimpel, arXiv:1606.08415)
      return tf.tidy(() => tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.mul(x, tf.square(x)))))))));
    case 'elu':
      return tf.elu(x);
    case 'leakyRelu':
      return tf.leakyRelu(x, 0.01);
    case 'swish':
      return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
    case 'softplus':
      return tf.softplus(x);
    case 'linear':
      return x;
    default:
      throw new DomainError('activation', a, 'unknown activation (relu, sigmoid, tanh, softmax, gelu, elu, leakyRelu, swish, softplus, linear)');
  }
}
