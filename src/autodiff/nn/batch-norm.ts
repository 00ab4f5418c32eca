/**
 * Batch normalization (Ioffe & Szegedy, arXiv:1502.03167) as a pure function:
 * trainable { gamma, beta }, running statistics passed in and returned, never
 * hidden. In training mode the batch statistics normalize and the running
 * ones are updated with `momentum`; in inference mode the running ones are used.
 */
import { tf, type Tensor } from '../tf.js';
import { param, type ParamDefTree } from '../params.js';
import type { Tree } from '../tree.js';
import { DomainError, ShapeMismatchError } from '../errors.js';

/** Running statistics of a batch-norm layer. */
export interface BatchNormState {
  mean: Float32Array;
  variance: Float32Array;
}

/** Parameters (gamma 1, beta 0) and fresh statistics (mean 0, variance 1). */
export function batchNormInit(dim: number): { params: ParamDefTree; state: BatchNormState } {
  if (!(Number.isInteger(dim) && dim > 0)) throw new DomainError('dim', dim, 'must be a positive integer');
  return {
    params: { gamma: param(new Array<number>(dim).fill(1)), beta: param(new Array<number>(dim).fill(0)) },
    state: { mean: new Float32Array(dim), variance: new Float32Array(dim).fill(1) },
  };
}

/** Options of `batchNormApply`. */
export interface BatchNormOptions {
  training: boolean;
  /** Weight of the old running statistics. Default 0.99 (Keras). */
  momentum?: number;
  /** Default 1e-3 (Keras). */
  epsilon?: number;
}

/**
 * Normalizes x [batch, dim] (or [..., dim]); returns y and the new statistics
 * (the input statistics are not modified).
 *
 * @example
 * ```ts
 * const bn = batchNormInit(16);
 * const { y, state } = batchNormApply(new ParamSet(bn.params).constantTree(), bn.state, x, { training: true });
 * ```
 */
export function batchNormApply(p: Tree<Tensor>, state: BatchNormState, x: Tensor, opts: BatchNormOptions): { y: Tensor; state: BatchNormState } {
  const { gamma, beta } = p as { gamma: Tensor; beta: Tensor };
  const dim = gamma.shape[0];
  if (x.shape[x.rank - 1] !== dim) throw new ShapeMismatchError('batch norm input', [-1, dim], x.shape);
  const eps = opts.epsilon ?? 1e-3;
  const mom = opts.momentum ?? 0.99;
  if (!(eps >= 0)) throw new DomainError('epsilon', eps, 'must be ≥ 0');
  if (!(mom >= 0 && mom <= 1)) throw new DomainError('momentum', mom, 'must be in [0, 1]');
  if (state.mean.length !== dim || state.variance.length !== dim) throw new ShapeMismatchError('batch norm state (mean, variance)', [dim, dim], [state.mean.length, state.variance.length]);
  if (opts.training && x.size / dim < 2) throw new DomainError('batch size', x.size / dim, 'training-mode batch norm needs at least 2 samples to estimate a variance');
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  if (!opts.training) {
    const y = tf.tidy(() => {
      const mean = tf.tensor1d(state.mean);
      const v = tf.tensor1d(state.variance);
      return tf.add(tf.mul(gamma, tf.div(tf.sub(x, mean), tf.sqrt(tf.add(v, eps)))), beta);
    });
    return { y, state };
  }
  const { y, mean, variance } = tf.tidy(() => {
    const m = tf.moments(x, axes);
    const yy = tf.add(tf.mul(gamma, tf.div(tf.sub(x, m.mean), tf.sqrt(tf.add(m.variance, eps)))), beta);
    return { y: yy, mean: m.mean, variance: m.variance };
  });
  const bm = mean.dataSync();
  const bv = variance.dataSync();
  mean.dispose();
  variance.dispose();
  const newState: BatchNormState = {
    mean: Float32Array.from(state.mean, (v, i) => mom * v + (1 - mom) * bm[i]),
    variance: Float32Array.from(state.variance, (v, i) => mom * v + (1 - mom) * bv[i]),
  };
  return { y, state: newState };
}
