/**
 * 3D space points of hits: x, y the centre of the hit's pixel pad, z from the
 * drift time, z = anode − dir·v_d·(t − t0), with t the trigger time of the
 * hit and dir = +1 for a TPC whose anode lies above the cathode (the
 * simulation's drift convention, src/sim/lartpc/host-physics.ts). Tensor
 * level (caller's tidy); differentiable in the pitch, the pixel-plane origin,
 * the anode positions, v_d and t0.
 */
import { tf, type Tensor, DomainError } from '../../autodiff/index.js';
import type { RecoHits } from './hits.js';
import type { RecoGeometry } from './params.js';

/** What the point reconstruction needs of the readout configuration. */
export interface PointConfig {
  /** Tick length [µs]. */
  tickUs: number;
  /** Cathode z [cm]. */
  cathodeZ: number;
  /** Anode z values on the host (for the drift directions). */
  anodeZHost: number[];
}

/**
 * Drift times [µs] of the hits, t = tick·tickUs − t0 (tensor [n]).
 *
 * @example
 * ```ts
 * driftTimes(hits, tf.scalar(0), { tickUs: 0.5, cathodeZ: 0, anodeZHost: [-30.431, 30.431] }); // tick × 0.5 µs
 * ```
 */
export function driftTimes(h: RecoHits, t0: Tensor, cfg: PointConfig): Tensor {
  return tf.sub(tf.mul(tf.tensor1d(Float32Array.from(h.tick)), cfg.tickUs), t0);
}

/**
 * Points [n, 3] (cm) of the hits.
 *
 * @example
 * ```ts
 * const xyz = reconstructPoints(hits, geometry, tf.scalar(0.1597), tf.scalar(0), { tickUs: 0.1, cathodeZ: 0, anodeZHost: [-30.431, 30.431] });
 * ```
 */
export function reconstructPoints(h: RecoHits, g: RecoGeometry, vdrift: Tensor, t0: Tensor, cfg: PointConfig): Tensor {
  const n = h.tick.length;
  const nA = cfg.anodeZHost.length;
  const dirA = cfg.anodeZHost.map((a) => (a > cfg.cathodeZ ? 1 : -1));
  const oneHot = new Float32Array(n * nA);
  const dir = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = h.tpc[i];
    if (!(k >= 0 && k < nA)) throw new DomainError(`hits.tpc[${i}]`, k, `must be a TPC index in [0, ${nA - 1}]`);
    oneHot[i * nA + k] = 1;
    dir[i] = dirA[k];
  }
  const x = tf.add(g.xMin, tf.mul(tf.add(tf.tensor1d(Float32Array.from(h.ix)), 0.5), g.pitch));
  const y = tf.add(g.yMin, tf.mul(tf.add(tf.tensor1d(Float32Array.from(h.iy)), 0.5), g.pitch));
  const anode = tf.matMul(tf.tensor2d(oneHot, [n, nA]), g.anodeZ.reshape([nA, 1])).reshape([n]);
  const dist = tf.mul(vdrift, driftTimes(h, t0, cfg));
  const z = tf.sub(anode, tf.mul(tf.tensor1d(dir), dist));
  return tf.stack([x, y, z], 1);
}
