/**
 * A histogram whose counts are differentiable in the data, the weights and
 * the bin edges: each entry is smeared by a Gaussian kernel of width
 * `bandwidth` and contributes to bin k the kernel's probability mass inside
 * [b_k, b_{k+1}]:
 *
 *   bin_k = Σ_i w_i [Φ((b_{k+1} − x_i)/h) − Φ((b_k − x_i)/h)]
 *
 * (the binned kernel density estimate of neos, arXiv:2203.05570).
 *
 * Bias: an entry within a few h of an edge is shared between neighbouring
 * bins, and entries within a few h of the outer edges leak out of the
 * histogram (the total is Σ w_i minus that leak, never more). For a smooth
 * density the bin content is that of the density convolved with the kernel:
 * bias ≈ h²/2 · [ρ′(b_{k+1}) − ρ′(b_k)]. Exact (equal to
 * np.histogram's counts) as h → 0 for entries not lying exactly on an edge.
 */
import { tf, type Tensor } from '../tf.js';
import { asTensor } from '../broadcast.js';
import { assertPositiveScale } from './validate.js';
import { DomainError, ShapeMismatchError } from '../errors.js';

/**
 * Soft histogram of the 1-D tensor `x` (length n) on `edges` (length k + 1,
 * increasing; a tensor to learn the binning), with Gaussian smearing
 * `bandwidth` (units of x) and optional per-entry `weights` (length n).
 * Returns the k bin contents.
 *
 * @example
 * ```ts
 * const counts = softHistogram(tf.tensor1d([0.2, 0.4, 1.5]), [0, 1, 2], 0.01); // ≈ [2, 1]
 * ```
 */
export function softHistogram(x: Tensor, edges: Tensor | number[], bandwidth: Tensor | number, weights?: Tensor): Tensor {
  assertPositiveScale('bandwidth', bandwidth);
  if (x.rank !== 1) throw new ShapeMismatchError('x', [x.size], x.shape);
  const edgeShape = Array.isArray(edges) ? [edges.length] : edges.shape;
  if (edgeShape.length !== 1 || edgeShape[0] < 2) throw new DomainError('edges', Array.isArray(edges) ? edges : `tensor of shape [${edgeShape}]`, 'need a 1-D list of at least 2 bin edges');
  if (Array.isArray(edges)) {
    for (let i = 0; i < edges.length; i++) {
      if (!Number.isFinite(edges[i])) throw new DomainError(`edges[${i}]`, edges[i], 'must be finite');
      if (i > 0 && !(edges[i] > edges[i - 1])) throw new DomainError('edges', edges, `must be strictly increasing (edges[${i - 1}] = ${edges[i - 1]}, edges[${i}] = ${edges[i]})`);
    }
  }
  if (weights && (weights.rank !== 1 || weights.shape[0] !== x.shape[0])) throw new ShapeMismatchError('weights', x.shape, weights.shape);
  return tf.tidy(() => {
    const b = Array.isArray(edges) ? tf.tensor1d(edges) : edges;
    // z[i, j] = (b_j − x_i)/(h√2), Φ = (1 + erf(z))/2; the constant 1/2 cancels in the differences.
    const z = tf.div(tf.sub(b.reshape([1, -1]), x.reshape([-1, 1])), tf.mul(asTensor(bandwidth), Math.SQRT2));
    const cdf = tf.mul(0.5, tf.erf(z));
    const k = edgeShape[0] - 1;
    const mass = tf.sub(cdf.slice([0, 1], [-1, k]), cdf.slice([0, 0], [-1, k]));
    return weights ? tf.sum(tf.mul(mass, weights.reshape([-1, 1])), 0) : tf.sum(mass, 0);
  });
}
