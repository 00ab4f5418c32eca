/**
 * Maximum-likelihood calibration with the Gaussian Ansatz (Gambhir,
 * Nachman, Thaler, arXiv:2205.03413; its prior independence, against the
 * posterior mean that a squared-error regression learns, is the subject of
 * their arXiv:2205.05084).
 *
 * A critic T(x, z) trained on the Donsker–Varadhan bound of the mutual
 * information, max_T E_{p(x,z)}[T] − ln E_{p(x)p(z)}[e^T], reaches
 * T*(x, z) = ln p(x | z) − ln p(x) + const. For a fixed x the second term is
 * a constant, so argmax_z T*(x, z) is the maximum-likelihood estimate of z —
 * which does not depend on the prior p(z) used for training. The Ansatz
 *
 *   T(x, z) = A(x) − ½ (z − B(x))² C(x, z),   C > 0,
 *
 * has its maximum at z = B(x) by construction, so the network's B(x) is the
 * calibrated (maximum-likelihood) estimate and C(x, B(x))^−½ its Gaussian
 * uncertainty. A, B and a context vector come from any encoder network
 * (outDim 2 + context); C from a small MLP of [context, z], C = e^{c}.
 * (The paper's Ansatz also carries a linear term (z − B)·D(x); without it,
 * as here, B is the maximum exactly.)
 */
import { tf, nn, DomainError, ShapeMismatchError, type ParamDefTree, type PRNGKey, type Tensor, type Tree } from '../../autodiff/index.js';
import type { Network } from './network.js';

/** Options of `gaussianAnsatz`. */
export interface GaussianAnsatzOptions {
  /** Context features passed from the encoder to C. Default 4. */
  context?: number;
  /** Hidden sizes of the C network. Default [16]. */
  hidden?: number[];
}

/** A Gaussian-Ansatz critic built on an encoder network. */
export interface GaussianAnsatz {
  /** The encoder; its outDim must be 2 + context. */
  readonly encoder: Network;
  readonly context: number;
  /** Parameters { encoder, c }. */
  init(key: PRNGKey): ParamDefTree;
  /** T(x_i, z_ij) for event i and its values z_ij: z [B, M] → [B, M] (tensor level). */
  scores(p: Tree<Tensor>, inputs: Record<string, Tensor>, z: Tensor): Tensor;
  /** The estimate B(x) [B] and its width C(x, B(x))^−½ [B] (tensor level). */
  estimate(p: Tree<Tensor>, inputs: Record<string, Tensor>): { z: Tensor; sigma: Tensor };
}

/**
 * A Gaussian-Ansatz critic over an encoder.
 *
 * @example
 * ```ts
 * const ga = gaussianAnsatz(setNetwork({ inDim: 5, outDim: 2 + 4 }), { context: 4 });
 * const ps = new ParamSet(ga.init(prngKey(0)));
 * // train with gaussianAnsatzLoss, then:
 * const { z, sigma } = tf.tidy(() => ga.estimate(ps.constantTree(), inputs));
 * ```
 */
export function gaussianAnsatz(encoder: Network, opts: GaussianAnsatzOptions = {}): GaussianAnsatz {
  const m = opts.context ?? 4;
  const hidden = opts.hidden ?? [16];
  if (!(Number.isInteger(m) && m >= 0)) throw new DomainError('context', m, 'must be an integer ≥ 0');
  if (encoder.outDim !== 2 + m) throw new DomainError('encoder.outDim', encoder.outDim, `must be 2 + context = ${2 + m} (A, B and the context of C)`);
  const split = (p: Tree<Tensor>, inputs: Record<string, Tensor>) => {
    const out = encoder.apply((p as { encoder: Tree<Tensor> }).encoder, inputs);
    const b = out.shape[0];
    return {
      a: tf.slice(out, [0, 0], [b, 1]).reshape([b]),
      center: tf.slice(out, [0, 1], [b, 1]).reshape([b]),
      ctx: tf.slice(out, [0, 2], [b, m]),
      batch: b,
    };
  };
  // ln C at every (event, z) pair: ctx [B, m], z [B, M] → [B, M].
  const logC = (p: Tree<Tensor>, ctx: Tensor, z: Tensor): Tensor => {
    const [b, mz] = z.shape as [number, number];
    const c = tf.tile(ctx.reshape([b, 1, m]), [1, mz, 1]);
    const pairs = tf.concat([c, z.reshape([b, mz, 1])], 2).reshape([b * mz, m + 1]);
    return nn.mlpApply((p as { c: Tree<Tensor> }).c, pairs, { activation: 'tanh' }).reshape([b, mz]);
  };
  return {
    encoder,
    context: m,
    init: (key) => {
      const [k1, k2] = key.split(2);
      return { encoder: encoder.init(k1), c: nn.mlpInit(k2, [m + 1, ...hidden, 1]) };
    },
    scores: (p, inputs, z) =>
      tf.tidy(() => {
        const { a, center, ctx, batch } = split(p, inputs);
        if (z.rank !== 2 || z.shape[0] !== batch) throw new ShapeMismatchError('z', [batch, -1], z.shape);
        const d = tf.sub(z, center.reshape([batch, 1]));
        return tf.sub(a.reshape([batch, 1]), tf.mul(0.5, tf.mul(tf.square(d), tf.exp(logC(p, ctx, z)))));
      }),
    estimate: (p, inputs) =>
      tf.tidy(() => {
        const { center, ctx, batch } = split(p, inputs);
        const lc = logC(p, ctx, center.reshape([batch, 1])).reshape([batch]);
        return { z: center, sigma: tf.exp(tf.mul(-0.5, lc)) };
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
