/**
 * Deep Sets (Zaheer et al., arXiv:1703.06114): f(X) = ρ(pool_i φ(x_i)), a
 * function of a set that is invariant under permutations of its elements —
 * the natural network for hits or calorimeter cells. Padding is handled by a
 * mask so that sets of different sizes share a batch.
 */
import { tf, type Tensor } from '../tf.js';
import type { ParamDefTree } from '../params.js';
import type { PRNGKey } from '../random/key.js';
import type { Tree } from '../tree.js';
import { mlpInit, mlpApply, type InitOptions } from './dense.js';
import type { Activation } from './activations.js';
import { DomainError, ShapeMismatchError } from '../errors.js';

/** Sizes of a Deep Sets network. */
export interface DeepSetsSizes extends InitOptions {
  inDim: number;
  /** Hidden sizes of φ; its output size is the last entry. */
  phi: number[];
  /** Hidden sizes of ρ. */
  rho: number[];
  outDim: number;
}

/** Parameters { phi: mlp, rho: mlp }. */
export function deepSetsInit(key: PRNGKey, s: DeepSetsSizes): ParamDefTree {
  if (!Array.isArray(s.phi) || s.phi.length === 0) throw new DomainError('phi', s.phi, 'needs at least one layer size (its last entry is the latent size)');
  if (!Array.isArray(s.rho)) throw new DomainError('rho', s.rho, 'must be an array of hidden sizes (may be empty)');
  const [k1, k2] = key.split(2);
  const latent = s.phi[s.phi.length - 1];
  return { phi: mlpInit(k1, [s.inDim, ...s.phi], s), rho: mlpInit(k2, [latent, ...s.rho, s.outDim], s) };
}

/** Options of `deepSetsApply`. */
export interface DeepSetsOptions {
  pooling?: 'sum' | 'mean' | 'max';
  /** [batch, setSize]: 1 for real elements, 0 for padding. */
  mask?: Tensor;
  activation?: Activation;
  outputActivation?: Activation;
}

/**
 * x [batch, setSize, inDim] → [batch, outDim], invariant under permutations
 * of the set axis; masked (padding) elements do not contribute, and an empty
 * set pools to zeros.
 *
 * @example
 * ```ts
 * const p = new ParamSet(deepSetsInit(prngKey(0), { inDim: 4, phi: [32, 16], rho: [16], outDim: 1 })).constantTree();
 * deepSetsApply(p, hits, { pooling: 'sum', mask }); // hits [batch, maxHits, 4], mask [batch, maxHits]
 * ```
 */
export function deepSetsApply(p: Tree<Tensor>, x: Tensor, opts: DeepSetsOptions = {}): Tensor {
  if (x.rank !== 3) throw new ShapeMismatchError('deep sets input', [-1, -1, -1], x.shape);
  const { phi, rho } = p as { phi: Tree<Tensor>; rho: Tree<Tensor> };
  const [batch, n, d] = x.shape as [number, number, number];
  if (opts.mask && (opts.mask.shape[0] !== batch || opts.mask.shape[1] !== n)) throw new ShapeMismatchError('deep sets mask', [batch, n], opts.mask.shape);
  return tf.tidy(() => {
    const act = opts.activation ?? 'relu';
    const h = mlpApply(phi, x.reshape([batch * n, d]), { activation: act, outputActivation: act });
    const latent = h.shape[1] as number;
    let e = h.reshape([batch, n, latent]);
    const m = opts.mask ? opts.mask.reshape([batch, n, 1]) : null;
    let pooled: Tensor;
    const pooling = opts.pooling ?? 'sum';
    if (pooling === 'max') {
      if (m) e = tf.add(tf.mul(e, m), tf.mul(tf.sub(1, m), -1e9));
      pooled = tf.max(e, 1);
      // An empty (fully padded) set pools to zeros, as it does for sum and mean.
      if (m) pooled = tf.mul(pooled, tf.cast(tf.greater(tf.sum(m, 1), 0), 'float32'));
    } else {
      if (m) e = tf.mul(e, m);
      pooled = tf.sum(e, 1);
      if (pooling === 'mean') pooled = tf.div(pooled, m ? tf.maximum(tf.sum(m, 1), 1) : n);
    }
    return mlpApply(rho, pooled, { activation: act, outputActivation: opts.outputActivation ?? 'linear' });
  });
}
