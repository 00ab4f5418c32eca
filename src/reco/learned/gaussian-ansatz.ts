/**
 * Maximum-likelihood calibration with a Gaussian Ansatz (Gambhir, Nachman,
 * Thaler, arXiv:2205.03413; its prior independence, against the posterior
 * mean that a squared-error regression learns, is the subject of their
 * arXiv:2205.05084).
 *
 * A critic T(x, z) trained on the Donsker–Varadhan bound of the mutual
 * information, max_T E_{p(x,z)}[T] − ln E_{p(x)p(z)}[e^T], reaches
 * T*(x, z) = ln p(x | z) − ln p(x) + const. For a fixed x the second term is
 * a constant, so argmax_z T*(x, z) is the maximum-likelihood estimate of z —
 * which does not depend on the prior p(z) used for training. The Ansatz
 *
 *   T(x, z) = A(x) − ½ C(x) (z − B(x))²,   C = e^{c(x)} > 0,
 *
 * is a Gaussian likelihood in z: B(x) is its maximum, the calibrated
 * (maximum-likelihood) estimate, and C(x)^−½ its Gaussian width. A, B and c
 * are the three outputs of any encoder network.
 *
 * The paper's Ansatz is more general: a linear term (z − B)·D(x) and a
 * z-dependent C(x, z). Both are left out on purpose: with a free C(x, z) the
 * bound can be saturated with B outside the range of the training values
 * (any T* < A can be written A − ½ C (z − B)² with a suitable positive C), so
 * B is no longer identified as the maximum — we observed exactly that on
 * showers. With C(x) alone B is identified whenever ln p(x | z) is close to
 * quadratic in z near its maximum, as it is for a calorimeter in z = ln E.
 */
import { tf, DomainError, ShapeMismatchError, type ParamDefTree, type PRNGKey, type Tensor, type Tree } from '../../autodiff/index.js';
import type { Network } from './network.js';

/** Options of `gaussianAnsatz`. */
export interface GaussianAnsatzOptions {
  /**
   * The encoder's outputs are multiplied by this before use. Networks start
   * with outputs of O(1–10); scaled down, B starts near the centre of a z
   * range scaled to [−1, 1] and C near 1, rather than far off with C large,
   * from where the critic drifts to C → 0 (T flat in z, the gradient in B
   * gone: the trivial zero of the bound). Default 0.1.
   */
  outputScale?: number;
  /** |ln C| is bounded softly by this (ln C = bound·tanh(c/bound)). Default 12. */
  logCBound?: number;
}

/** A Gaussian-Ansatz critic built on an encoder network. */
export interface GaussianAnsatz {
  /** The encoder; its outDim must be 3 (A, B, ln C). */
  readonly encoder: Network;
  /** Parameters { encoder }. */
  init(key: PRNGKey): ParamDefTree;
  /** T(x_i, z_ij) for event i and its values z_ij: z [B, M] → [B, M] (tensor level). */
  scores(p: Tree<Tensor>, inputs: Record<string, Tensor>, z: Tensor): Tensor;
  /** The estimate B(x) [B] and its width C(x)^−½ [B] (tensor level). */
  estimate(p: Tree<Tensor>, inputs: Record<string, Tensor>): { z: Tensor; sigma: Tensor };
}

/**
 * A Gaussian-Ansatz critic over an encoder.
 *
 * @example
 * ```ts
 * const ga = gaussianAnsatz(setNetwork({ inDim: 5, outDim: 3 }));
 * const ps = new ParamSet(ga.init(prngKey(0)));
 * // train with gaussianAnsatzLoss, then:
 * const { z, sigma } = tf.tidy(() => ga.estimate(ps.constantTree(), inputs));
 * ```
 */
export function gaussianAnsatz(encoder: Network, opts: GaussianAnsatzOptions = {}): GaussianAnsatz {
  const outScale = opts.outputScale ?? 0.1;
  const bound = opts.logCBound ?? 12;
  if (!(Number.isFinite(outScale) && outScale > 0)) throw new DomainError('outputScale', outScale, 'must be finite and > 0');
  if (!(Number.isFinite(bound) && bound > 0)) throw new DomainError('logCBound', bound, 'must be finite and > 0');
  if (encoder.outDim !== 3) throw new DomainError('encoder.outDim', encoder.outDim, 'must be 3 (A, B and ln C)');
  const heads = (p: Tree<Tensor>, inputs: Record<string, Tensor>) => {
    const out = tf.mul(encoder.apply((p as { encoder: Tree<Tensor> }).encoder, inputs), outScale);
    const b = out.shape[0];
    const col = (j: number) => tf.slice(out, [0, j], [b, 1]);
    return { a: col(0), center: col(1), logC: tf.mul(bound, tf.tanh(tf.div(col(2), bound))), batch: b };
  };
  return {
    encoder,
    init: (key) => ({ encoder: encoder.init(key) }),
    scores: (p, inputs, z) =>
      tf.tidy(() => {
        const { a, center, logC, batch } = heads(p, inputs);
        if (z.rank !== 2 || z.shape[0] !== batch) throw new ShapeMismatchError('z', [batch, -1], z.shape);
        return tf.sub(a, tf.mul(0.5, tf.mul(tf.exp(logC), tf.square(tf.sub(z, center)))));
      }),
    estimate: (p, inputs) =>
      tf.tidy(() => {
        const { center, logC, batch } = heads(p, inputs);
        return { z: center.reshape([batch]), sigma: tf.exp(tf.mul(-0.5, logC)).reshape([batch]) };
      }),
  };
}

/** Options of `gaussianAnsatzLoss`. */
export interface AnsatzLossOptions {
  /**
   * Product-of-marginals pairs per event: event i is paired with the values
   * of events i+1, …, i+k (cyclically). Default: all other events of the batch (k = B − 1).
   */
  marginalPairs?: number;
}

/**
 * The negative Donsker–Varadhan bound for a batch of joint samples (x_i, z_i):
 * −[mean_i T(x_i, z_i) − ln mean_{i, s} e^{T(x_i, z_{i+s})}]; the shifted
 * pairs (s = 1…k) are draws from p(x) p(z). Minimizing it over the critic
 * trains the Ansatz.
 *
 * @example
 * ```ts
 * const loss = gaussianAnsatzLoss(ga, p, { features }, zBatch, { marginalPairs: 16 }); // scalar tensor
 * ```
 */
export function gaussianAnsatzLoss(ga: GaussianAnsatz, p: Tree<Tensor>, inputs: Record<string, Tensor>, z: Tensor, opts: AnsatzLossOptions = {}): Tensor {
  if (z.rank !== 1 || z.shape[0] < 2) throw new ShapeMismatchError('z (at least two joint samples)', [-1], z.shape);
  const n = z.shape[0];
  const k = opts.marginalPairs ?? n - 1;
  if (!(Number.isInteger(k) && k >= 1 && k <= n - 1)) throw new DomainError('marginalPairs', k, `must be an integer in [1, ${n - 1}] (batch size − 1)`);
  // Column 0: the event's own value; columns 1…k: the values of the next k events.
  const cols = new Int32Array(n * (k + 1));
  for (let i = 0; i < n; i++) for (let s = 0; s <= k; s++) cols[i * (k + 1) + s] = (i + s) % n;
  return tf.tidy(() => {
    const zz = tf.gather(z, tf.tensor1d(cols, 'int32')).reshape([n, k + 1]);
    const t = ga.scores(p, inputs, zz);
    const joint = tf.mean(tf.slice(t, [0, 0], [n, 1]));
    const marginal = tf.sub(tf.logSumExp(tf.slice(t, [0, 1], [n, k]).reshape([-1])), Math.log(n * k));
    return tf.neg(tf.sub(joint, marginal));
  });
}
