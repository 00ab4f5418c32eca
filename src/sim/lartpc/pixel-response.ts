/**
 * Pixel response: each segment's charge as a line of Gaussian clouds (centres
 * at the midpoints of K equal pieces), each cloud integrated analytically over
 * the square pixel pads (erf differences in x and y) and over the time ticks
 * (erf differences in arrival time). Only a window of pixels and ticks around
 * each segment is computed (the sparse path); the separable integrals are
 * combined with one batched matrix product per chunk,
 *   out[s, pixel(i,j), tick] = sum_k q[s,k] Fx[s,k,i] Fy[s,k,j] Ft[s,k,tick],
 * and scattered into the ragged pixel x tick readout (readout.ts).
 *
 * The windows are chosen on the host from the current parameter values
 * (integers, no gradient); everything inside a window is differentiable in
 * every physics and geometry parameter.
 */
import { tf, DomainError, type Tensor } from '../../autodiff/index.js';
import type { Segments } from './segments.js';
import type { SimConfig } from './config.js';
import type { LArTPCTensors, LArTPCValues } from './params.js';
import { diffusionSigmaHost, tpcOf, vdriftOf } from './host-physics.js';
import { diffusionSigma, driftVelocity, lifetimeSurvival } from './drift.js';
import { ionizationElectrons } from './recombination.js';

/** The sparse windows of one chunk of segments. */
export interface ChunkPlan {
  /** First segment of the chunk and its length. */
  start: number;
  count: number;
  tpc: Int32Array;
  /** Drift direction of each segment's TPC: dist = dir (anodeZ - z). */
  dir: Float32Array;
  /** Lower pixel and tick index of each segment's window. */
  ix0: Int32Array;
  iy0: Int32Array;
  it0: Int32Array;
  /** Window sizes (same for the whole chunk). */
  wx: number;
  wy: number;
  wt: number;
}

/** Plans the windows of segments [start, start + count) at the given values. */
export function planChunk(seg: Segments, start: number, count: number, v: LArTPCValues, c: SimConfig): ChunkPlan {
  const vd = vdriftOf(v, c);
  const p = v.geometry.pitch;
  const tpc = new Int32Array(count);
  const dir = new Float32Array(count);
  const lo = { x: new Int32Array(count), y: new Int32Array(count), t: new Int32Array(count) };
  let wx = 1;
  let wy = 1;
  let wt = 1;
  for (let i = 0; i < count; i++) {
    const s = start + i;
    const zs = seg.z_start[s];
    const ze = seg.z_end[s];
    const { tpc: k, dir: d } = tpcOf(0.5 * (zs + ze), v, c);
    tpc[i] = Math.max(k, 0);
    dir[i] = d;
    const aZ = v.geometry.anodeZ[tpc[i]];
    const ts = Math.max(0, (d * (aZ - zs)) / vd);
    const te = Math.max(0, (d * (aZ - ze)) / vd);
    const tMax = Math.max(ts, te);
    const sT = c.nSigma * diffusionSigmaHost(v.drift.DT, tMax);
    const sL = (c.nSigma * diffusionSigmaHost(v.drift.DL, tMax)) / vd;
    const xLo = Math.min(seg.x_start[s], seg.x_end[s]) - sT;
    const xHi = Math.max(seg.x_start[s], seg.x_end[s]) + sT;
    const yLo = Math.min(seg.y_start[s], seg.y_end[s]) - sT;
    const yHi = Math.max(seg.y_start[s], seg.y_end[s]) + sT;
    const t0 = seg.t0[s];
    const tLo = t0 + Math.min(ts, te) - sL;
    const tHi = t0 + tMax + sL;
    const m = c.pixelMargin;
    const ixa = Math.floor((xLo - v.geometry.xMin) / p) - m;
    const ixb = Math.floor((xHi - v.geometry.xMin) / p) + m;
    const iya = Math.floor((yLo - v.geometry.yMin) / p) - m;
    const iyb = Math.floor((yHi - v.geometry.yMin) / p) + m;
    const ita = Math.floor(tLo / c.tickUs);
    const itb = Math.floor(tHi / c.tickUs);
    lo.x[i] = ixa;
    lo.y[i] = iya;
    lo.t[i] = ita;
    wx = Math.max(wx, ixb - ixa + 1);
    wy = Math.max(wy, iyb - iya + 1);
    wt = Math.max(wt, itb - ita + 1);
  }
  if (count * wx * wy * wt > 2e8) {
    throw new DomainError('window size', { wx, wy, wt, segments: count }, `too many pixel-tick cells (${count * wx * wy * wt}): check the diffusion constants, drift velocity and segment lengths (split long segments)`);
  }
  return { start, count, tpc, dir, ix0: lo.x, iy0: lo.y, it0: lo.t, wx, wy, wt };
}

/** Plans every chunk of a batch. */
export function planSegments(seg: Segments, v: LArTPCValues, c: SimConfig): ChunkPlan[] {
  const n = seg.x_start.length;
  const out: ChunkPlan[] = [];
  for (let s = 0; s < n; s += c.chunkSize) out.push(planChunk(seg, s, Math.min(c.chunkSize, n - s), v, c));
  return out;
}

function slice(a: Float32Array, plan: ChunkPlan): Tensor {
  return tf.tensor1d(a.subarray(plan.start, plan.start + plan.count));
}

/**
 * The charge [electrons] of every (segment, window pixel, window tick) of a
 * chunk: a [count, wx * wy, wt] tensor (pixel index i * wy + j). Tensor level.
 * Window cells outside the pixel plane or the readout carry charge that the
 * scatter step drops.
 */
export function chunkResponse(seg: Segments, plan: ChunkPlan, p: LArTPCTensors, c: SimConfig): Tensor {
  const S = plan.count;
  const K = c.pointsPerSegment;
  const f = tf.tensor1d(Float32Array.from({ length: K }, (_, k) => (k + 0.5) / K)).reshape([1, K]);
  const along = (a: Float32Array, b: Float32Array) => {
    const A = slice(a, plan).reshape([S, 1]);
    return tf.add(A, tf.mul(tf.sub(slice(b, plan).reshape([S, 1]), A), f));
  };
  const x = along(seg.x_start, seg.x_end);
  const y = along(seg.y_start, seg.y_end);
  const z = along(seg.z_start, seg.z_end);
  const vd = c.vdrift === 'free' ? p.drift.vdrift : driftVelocity(p.drift.efield, p.drift.temperature);
  const nA = p.geometry.anodeZ.size;
  const oneHot = new Float32Array(S * nA);
  for (let s = 0; s < S; s++) oneHot[s * nA + plan.tpc[s]] = 1;
  const aZ = tf.matMul(tf.tensor2d(oneHot, [S, nA]), p.geometry.anodeZ.reshape([nA, 1]));
  const dist = tf.relu(tf.mul(tf.tensor2d(plan.dir, [S, 1]), tf.sub(aZ, z)));
  const td = tf.div(dist, vd);
  const surv = lifetimeSurvival(td, p.drift.lifetime);
  const sigT = tf.mul(diffusionSigma(p.drift.DT, td), Math.SQRT2).reshape([S, K, 1]);
  const sigTime = tf.mul(tf.div(diffusionSigma(p.drift.DL, td), vd), Math.SQRT2).reshape([S, K, 1]);
  const ne = ionizationElectrons(slice(seg.dE, plan), slice(seg.dEdx, plan), p.drift.efield, p.recombination, c.recombination);
  const q = tf.mul(tf.mul(ne.reshape([S, 1]), surv), 1 / K);
  const tArr = tf.add(slice(seg.t0, plan).reshape([S, 1]), td).reshape([S, K, 1]);
  const idx = (lo: Int32Array, w: number) => {
    const a = new Float32Array(S * w);
    for (let s = 0; s < S; s++) for (let i = 0; i < w; i++) a[s * w + i] = lo[s] + i;
    return tf.tensor3d(a, [S, 1, w]);
  };
  const pitch = p.geometry.pitch;
  const band = (lower: Tensor, width: Tensor | number, centre: Tensor, sig: Tensor) =>
    tf.mul(0.5, tf.sub(tf.erf(tf.div(tf.sub(tf.add(lower, width), centre), sig)), tf.erf(tf.div(tf.sub(lower, centre), sig))));
  const ex = tf.add(p.geometry.xMin, tf.mul(idx(plan.ix0, plan.wx), pitch));
  const ey = tf.add(p.geometry.yMin, tf.mul(idx(plan.iy0, plan.wy), pitch));
  const et = tf.mul(idx(plan.it0, plan.wt), c.tickUs);
  const Fx = band(ex, pitch, x.reshape([S, K, 1]), sigT);
  const Fy = band(ey, pitch, y.reshape([S, K, 1]), sigT);
  const Ft = band(et, c.tickUs, tArr, sigTime);
  const A = tf.mul(tf.mul(q.reshape([S, K, 1, 1]), Fx.reshape([S, K, plan.wx, 1])), Fy.reshape([S, K, 1, plan.wy])).reshape([S, K, plan.wx * plan.wy]);
  return tf.matMul(A, Ft, true, false);
}
