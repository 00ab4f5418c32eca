/**
 * The single place where the tensor engine is imported. Every other module of
 * diffhep takes `tf` from here so that one engine instance (one tape, one
 * memory accounting) serves the whole chain.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export { tf };
export type Tensor = tf.Tensor;
export type Scalar = tf.Scalar;
export type Rank = tf.Rank;
