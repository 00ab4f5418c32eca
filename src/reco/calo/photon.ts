/**
 * Photon reconstruction from the read-out grid of one shower: calibrated
 * cell energies e_lc = w_l V_lc, a smooth seed (softSeed) on the layer sums,
 * one seeded soft cluster (a soft disk of radius R), the cluster energy
 * Σ_l w_l E_l, the log-weighted centroid of the clustered cells and the
 * shower shapes. Every step is a tensor function, so the photon's energy and
 * position are differentiable in the simulation's inputs (thicknesses, cell
 * size, energy, impact point) and in the calibration weights.
 */
import { tf, type Tensor, ShapeMismatchError } from '../../autodiff/index.js';
import { cellCentres, flattenCells } from './cells.js';
import { softSeed } from './seeding.js';
import { softClusters } from './clustering.js';
import { calibratedEnergy } from './energy.js';
import { logWeightedCentroid, type CentroidOptions } from './position.js';
import { showerShapes, type ShowerShapes } from './shower-shape.js';

/** Options of `reconstructPhotons`. */
export interface PhotonRecoOptions {
  /** Cluster radius [cm] (default 1.5 cell sizes: the 3 × 3 core plus the inner half of the next ring). */
  radiusCm?: number | Tensor;
  /** Edge softness of the cluster [cm] (default 0.1 cell sizes). */
  softnessCm?: number | Tensor;
  /** Power of the seed weights (default 4). */
  seedPower?: number;
  centroid?: CentroidOptions;
}

/** Reconstructed photons [B] (tensors owned by the caller's tidy). */
export interface RecoPhotons {
  energyGeV: Tensor;
  /** Log-weighted centroid in the grid frame [cm]. */
  xCm: Tensor;
  yCm: Tensor;
  /** [B, L] uncalibrated cluster energy per layer (visible GeV), for calibration fits. */
  clusterLayers: Tensor;
  /** Uncalibrated energy left outside the cluster [GeV visible]. */
  unclusteredGeV: Tensor;
  shapes: ShowerShapes;
}

/**
 * Reconstructs one photon per grid: `visible` [B, L, n, n] cell energies,
 * `cellSizeCm` [] , calibration `weights` [L], layer mid-depths [L] cm.
 * Tensor level.
 *
 * @example
 * ```ts
 * const sim = showerTensors(design, geo, beam, randoms);
 * const ph = reconstructPhotons(sim.visible, geo.cellSizeCm, w, layerMidDepthCm(geo));
 * ```
 */
export function reconstructPhotons(visible: Tensor, cellSizeCm: Tensor, weights: Tensor, layerDepthCm: Tensor, options: PhotonRecoOptions = {}): RecoPhotons {
  const cells = flattenCells(visible);
  const [B, L, C] = cells.shape;
  if (weights.rank !== 1 || weights.size !== L) throw new ShapeMismatchError('weights', [L], weights.shape);
  const n = Math.round(Math.sqrt(C));
  const { x, y } = cellCentres(n, cellSizeCm);
  const s = cellSizeCm.reshape([]);
  const calibrated = tf.mul(cells, weights.reshape([1, L, 1]));
  const summed = tf.sum(calibrated, 1); // [B, C]
  const seed = softSeed(summed, x, y, options.seedPower ?? 4).reshape([B, 1, 2]);
  const radius = options.radiusCm ?? tf.mul(s, 1.5);
  const softness = options.softnessCm ?? tf.mul(s, 0.1);
  const cl = softClusters(cells, x, y, seed, { radiusCm: radius, softnessCm: softness });
  const energyGeV = calibratedEnergy(cl.layerEnergies, weights).reshape([B]);
  const member = tf.slice(cl.membership, [0, 0, 0], [B, C, 1]).reshape([B, 1, C]);
  const clustered = tf.mul(calibrated, member); // [B, L, C]
  const pos = logWeightedCentroid(tf.sum(clustered, 1), x, y, options.centroid);
  const shapes = showerShapes(clustered, x, y, layerDepthCm);
  return {
    energyGeV,
    xCm: tf.slice(pos, [0, 0], [B, 1]).reshape([B]),
    yCm: tf.slice(pos, [0, 1], [B, 1]).reshape([B]),
    clusterLayers: cl.layerEnergies.reshape([B, L]),
    unclusteredGeV: tf.sum(cl.unclusteredLayers, 1),
    shapes,
  };
}

/**
 * Mid-depth of each layer [L] cm from the per-layer thicknesses (absorber + active).
 *
 * @example
 * ```ts
 * layerMidDepthCm(tf.tensor1d([0.5, 0.5]), tf.tensor1d([0.5, 0.5])); // [0.5, 1.5]
 * ```
 */
export function layerMidDepthCm(absorberCm: Tensor, activeCm: Tensor): Tensor {
  const t = tf.add(absorberCm, activeCm);
  return tf.sub(tf.cumsum(t), tf.div(t, 2));
}
