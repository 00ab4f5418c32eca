/**
 * Seeded soft clustering: every cell is shared among K seeded clusters and
 * an "unclustered" class by a softmax over logits
 *
 *   ℓ_k = −d²(c, seed_k)/(2 R w),   ℓ_0 = −R²/(2 R w),
 *
 * so with one seed a cell's membership is σ((R² − d²)/(2Rw)) ≈ σ((R − d)/w)
 * near the cluster radius R: a disk of radius R with a soft edge of width w
 * (a fixed-size window as the ATLAS/CMS photon clusters, made smooth), and
 * between two seeds each cell goes mostly to the nearer one. The memberships
 * of a cell sum to 1, so the cluster energies plus the unclustered energy
 * equal the total energy exactly (energy conservation), and the result does
 * not depend on the order of the cells (permutation invariance).
 */
import { tf, type Tensor, DomainError, ShapeMismatchError } from '../../autodiff/index.js';

/** Options of `softClusters`. */
export interface ClusterOptions {
  /** Cluster radius R [cm]. */
  radiusCm: number | Tensor;
  /** Width w of the soft edge [cm]. */
  softnessCm: number | Tensor;
}

/** Result of `softClusters` (tensors owned by the caller's tidy). */
export interface SoftClusters {
  /** [B, C, K + 1] membership of each cell in cluster k (last column: unclustered); rows sum to 1. */
  membership: Tensor;
  /** [B, K, L] cluster energy per layer. */
  layerEnergies: Tensor;
  /** [B, L] unclustered energy per layer. */
  unclusteredLayers: Tensor;
  /** [B, K] cluster energies (sum over layers of uncalibrated input). */
  energies: Tensor;
}

function scalarOf(name: string, v: number | Tensor): Tensor {
  if (typeof v === 'number') {
    if (!(v > 0) || !Number.isFinite(v)) throw new DomainError(name, v, 'must be finite and > 0 cm');
    return tf.scalar(v);
  }
  if (v.size !== 1) throw new ShapeMismatchError(name, [], v.shape);
  const x = v.dataSync()[0];
  if (!(x > 0) || !Number.isFinite(x)) throw new DomainError(name, x, 'must be finite and > 0 cm');
  return v.reshape([]);
}

/**
 * Soft clusters of cell energies `cells` [B, L, C] (L layers sharing the
 * transverse grid; pass [B, 1, C] for one layer) with cell centres x, y [C]
 * around `seeds` [B, K, 2]. Tensor level; differentiable in the energies,
 * the cell centres, the seeds, R and w.
 *
 * @example
 * ```ts
 * const { x, y } = cellCentres(5, tf.scalar(2));
 * const cl = softClusters(cells, x, y, seeds, { radiusCm: 4, softnessCm: 0.5 });
 * ```
 */
export function softClusters(cells: Tensor, x: Tensor, y: Tensor, seeds: Tensor, options: ClusterOptions): SoftClusters {
  if (cells.rank !== 3) throw new ShapeMismatchError('cells', [-1, -1, x.size], cells.shape);
  const [B, L, C] = cells.shape as [number, number, number];
  if (x.rank !== 1 || x.size !== C) throw new ShapeMismatchError('x', [C], x.shape);
  if (y.rank !== 1 || y.size !== C) throw new ShapeMismatchError('y', [C], y.shape);
  if (seeds.rank !== 3 || seeds.shape[0] !== B || seeds.shape[2] !== 2) throw new ShapeMismatchError('seeds', [B, -1, 2], seeds.shape);
  const K = seeds.shape[1] as number;
  const R = scalarOf('radiusCm', options.radiusCm);
  const w = scalarOf('softnessCm', options.softnessCm);
  const scale = tf.mul(2, tf.mul(R, w));
  const dx = tf.sub(x.reshape([1, C, 1]), tf.slice(seeds, [0, 0, 0], [B, K, 1]).reshape([B, 1, K]));
  const dy = tf.sub(y.reshape([1, C, 1]), tf.slice(seeds, [0, 0, 1], [B, K, 1]).reshape([B, 1, K]));
  const logitsSeeds = tf.neg(tf.div(tf.add(tf.square(dx), tf.square(dy)), scale)); // [B, C, K]
  const logitOut = tf.mul(tf.ones([B, C, 1]), tf.neg(tf.div(tf.square(R), scale)));
  const logits = tf.concat([logitsSeeds, logitOut], 2);
  const membership = tf.exp(tf.sub(logits, tf.logSumExp(logits, 2, true))); // [B, C, K+1]
  // [B, L, C] × [B, C, K+1] → [B, L, K+1]
  const perLayer = tf.matMul(cells, membership);
  const layerEnergies = tf.transpose(tf.slice(perLayer, [0, 0, 0], [B, L, K]), [0, 2, 1]);
  const unclusteredLayers = tf.slice(perLayer, [0, 0, K], [B, L, 1]).reshape([B, L]);
  return { membership, layerEnergies, unclusteredLayers, energies: tf.sum(layerEnergies, 2) };
}
