/**
 * Differentiable decorrelation penalties that keep a classifier's output
 * independent of a protected variable (usually the mass):
 * - DisCo (Kasieczka & Shih, arXiv:2001.05310): the squared distance
 *   correlation dCor²(x, y) of Székely et al., with optional event weights;
 * - MoDE (Kitouni et al., arXiv:2010.09745): the score's conditional CDF in
 *   bins of the protected variable is pushed towards a polynomial (order 0:
 *   flat, i.e. the inclusive CDF; order 1: linear) in that variable; the CDF
 *   is smoothed with a sigmoid of width `temperature` so it has gradients.
 */
import { tf, type Tensor, DomainError, ShapeMismatchError } from '../../autodiff/index.js';

/**
 * Squared distance correlation dCor²(x, y) ∈ [0, 1] of two 1-D samples
 * (O(N²) memory: batches of a few thousand events).
 *
 * @example
 * ```ts
 * const penalty = distanceCorrelation(score, mass); // add λ·penalty to the loss
 * ```
 */
export function distanceCorrelation(x: Tensor, y: Tensor, weights?: Tensor): Tensor {
  if (x.rank !== 1) throw new ShapeMismatchError('x', [x.size], x.shape);
  if (y.rank !== 1 || y.shape[0] !== x.shape[0]) throw new ShapeMismatchError('y', x.shape, y.shape);
  if (x.shape[0] < 2) throw new DomainError('x', x.shape[0], 'need at least 2 events');
  const n = x.shape[0];
  const w = weights ? tf.div(weights, tf.sum(weights)) : tf.fill([n], 1 / n);
  const centered = (v: Tensor): Tensor => {
    // |vᵢ − vⱼ| with a smooth floor so the gradient at i = j is 0, not NaN.
    const d = tf.sqrt(tf.add(tf.square(tf.sub(tf.expandDims(v, 1), tf.expandDims(v, 0))), 1e-12));
    const rowMean = tf.sum(tf.mul(d, tf.expandDims(w, 0)), 1, true);
    const colMean = tf.sum(tf.mul(d, tf.expandDims(w, 1)), 0, true);
    const all = tf.sum(tf.mul(rowMean, tf.expandDims(w, 1)));
    return tf.add(tf.sub(tf.sub(d, rowMean), colMean), all);
  };
  const a = centered(x);
  const b = centered(y);
  const ww = tf.mul(tf.expandDims(w, 1), tf.expandDims(w, 0));
  const dcov = (p: Tensor, q: Tensor) => tf.sum(tf.mul(tf.mul(p, q), ww));
  return tf.div(dcov(a, b), tf.sqrt(tf.mul(dcov(a, a), dcov(b, b))));
}

/** Options of `modePenalty`. */
export interface ModeOptions {
  /** Edges of the protected-variable bins. */
  bins: number[];
  /** Score thresholds at which the CDFs are compared (default 10 points in (0, 1)). */
  thresholds?: number[];
  /** Polynomial order in the protected variable: 0 (flat) or 1 (linear). Default 0. */
  order?: 0 | 1;
  /** Sigmoid width of the smoothed CDF. Default 0.02. */
  temperature?: number;
}

/**
 * MoDE penalty: mean squared deviation of the binned conditional CDFs
 * F(t | m-bin) from their least-squares polynomial fit in the bin centres
 * (order 0 fits a constant: the penalty is then the spread of the
 * conditional CDFs).
 */
export function modePenalty(score: Tensor, protectedVar: Tensor, options: ModeOptions): Tensor {
  if (score.rank !== 1) throw new ShapeMismatchError('score', [score.size], score.shape);
  if (protectedVar.rank !== 1 || protectedVar.shape[0] !== score.shape[0]) throw new ShapeMismatchError('protectedVar', score.shape, protectedVar.shape);
  const edges = options.bins;
  if (edges.length < 3) throw new DomainError('bins', edges, 'need at least 2 bins (3 edges)');
  for (let i = 1; i < edges.length; i++) if (!(edges[i] > edges[i - 1])) throw new DomainError('bins', edges, 'edges must increase');
  const order = options.order ?? 0;
  const temp = options.temperature ?? 0.02;
  const thresholds = options.thresholds ?? Array.from({ length: 10 }, (_, i) => (i + 0.5) / 10);
  const m = protectedVar.dataSync();
  const nb = edges.length - 1;
  const masks: number[][] = Array.from({ length: nb }, () => new Array<number>(m.length).fill(0));
  const counts = new Array<number>(nb).fill(0);
  for (let i = 0; i < m.length; i++) {
    for (let k = 0; k < nb; k++) {
      if (m[i] >= edges[k] && (m[i] < edges[k + 1] || (k === nb - 1 && m[i] === edges[k + 1]))) {
        masks[k][i] = 1;
        counts[k]++;
        break;
      }
    }
  }
  const used = counts.map((c, k) => ({ c, k })).filter((e) => e.c > 0);
  if (used.length < 2) throw new DomainError('protectedVar', `${used.length} occupied bin(s)`, 'need events in at least 2 bins');
  const centers = used.map(({ k }) => 0.5 * (edges[k] + edges[k + 1]));
  // Smoothed CDF F(t) = mean over the bin of σ((t − score)/T): [bins, thresholds].
  const maskT = tf.tensor2d(used.map(({ k }) => masks[k].map((v) => v / counts[k])));
  const th = tf.tensor1d(thresholds);
  const below = tf.sigmoid(tf.div(tf.sub(tf.expandDims(th, 0), tf.expandDims(score, 1)), temp)); // [N, T]
  const F = tf.matMul(maskT, below); // [B, T]
  // Least-squares projection onto polynomials of the given order in the bin centre (a constant matrix P).
  const B = used.length;
  const cMean = centers.reduce((a, b) => a + b, 0) / B;
  const xs = centers.map((c) => c - cMean);
  const sxx = xs.reduce((a, v) => a + v * v, 0);
  const P = Array.from({ length: B }, (_, i) => Array.from({ length: B }, (_, j) => 1 / B + (order === 1 && sxx > 0 ? (xs[i] * xs[j]) / sxx : 0)));
  const fit = tf.matMul(tf.tensor2d(P), F);
  return tf.mean(tf.square(tf.sub(F, fit)));
}
