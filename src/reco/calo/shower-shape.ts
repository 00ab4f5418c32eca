/**
 * Shower-shape variables of a cluster (as used for photon identification,
 * e.g. ATLAS's lateral widths and front-layer fraction), differentiable in
 * the cell energies and the geometry:
 *
 * - lateral width: √(Σ E_c r_c² / Σ E_c) about the energy-weighted centroid
 *   (linear weights, positive parts of the cell energies);
 * - depth: energy-weighted mean depth Σ_l E_l z_l / Σ_l E_l of the layer
 *   mid-depths z_l [cm];
 * - front fraction: energy in the first quarter of the layers over the total.
 */
import { tf, type Tensor, ShapeMismatchError } from '../../autodiff/index.js';

/** Shower shapes [B] (tensors owned by the caller's tidy). */
export interface ShowerShapes {
  lateralWidthCm: Tensor;
  depthCm: Tensor;
  frontFraction: Tensor;
}

/**
 * Shapes of clusters given as cell energies [B, L, C] (already weighted by
 * membership and calibration), cell centres x, y [C] and layer mid-depths
 * [L] cm. Tensor level.
 *
 * @example
 * ```ts
 * const s = showerShapes(cells, x, y, layerDepthCm);
 * ```
 */
export function showerShapes(cells: Tensor, x: Tensor, y: Tensor, layerDepthCm: Tensor): ShowerShapes {
  if (cells.rank !== 3) throw new ShapeMismatchError('cells', [-1, -1, x.size], cells.shape);
  const [, L, C] = cells.shape;
  if (x.size !== C || y.size !== C) throw new ShapeMismatchError('x, y', [C], x.shape);
  if (layerDepthCm.rank !== 1 || layerDepthCm.size !== L) throw new ShapeMismatchError('layerDepthCm', [L], layerDepthCm.shape);
  const e = tf.relu(cells);
  const lateral = tf.sum(e, 1); // [B, C]
  const tot = tf.add(tf.sum(lateral, 1, true), 1e-20);
  const cx = tf.div(tf.sum(tf.mul(lateral, x.reshape([1, -1])), 1, true), tot);
  const cy = tf.div(tf.sum(tf.mul(lateral, y.reshape([1, -1])), 1, true), tot);
  const r2 = tf.add(tf.square(tf.sub(x.reshape([1, -1]), cx)), tf.square(tf.sub(y.reshape([1, -1]), cy)));
  const lateralWidthCm = tf.sqrt(tf.add(tf.div(tf.sum(tf.mul(lateral, r2), 1, true), tot), 1e-12)).reshape([-1]);
  const layers = tf.sum(e, 2); // [B, L]
  const totL = tf.add(tf.sum(layers, 1), 1e-20);
  const depthCm = tf.div(tf.sum(tf.mul(layers, layerDepthCm.reshape([1, -1])), 1), totL);
  const nFront = Math.max(1, Math.floor(L / 4));
  const frontFraction = tf.div(tf.sum(tf.slice(layers, [0, 0], [-1, nFront]), 1), totL);
  return { lateralWidthCm, depthCm, frontFraction };
}
