/**
 * LArPix-style self-triggering electronics on the pixel x tick readout.
 *
 * Per pixel, the integrator accumulates charge from its reset level (a reset
 * noise draw); a trigger fires at the first tick where the accumulated charge
 * plus a discriminator noise draw reaches the threshold; the channel then
 * keeps integrating for the hold delay, the sample (plus an uncorrelated noise
 * draw) is digitized, ADC = clamp(round((Q G + V_ped - V_cm) 256 / (V_ref - V_cm)), 0, 255),
 * and the channel resets (charge arriving during the reset ticks is lost).
 *
 * Hard mode is that, exactly, on the host. Relaxed mode uses the same trigger
 * schedule and makes every quantity a differentiable function of the
 * parameters: hit charges are sums of readout ticks, each hit carries a weight
 * sigmoid((C + n_disc - threshold) / slope) — 1 in the hard limit for the hits
 * that fired — and the sub-threshold remainder of each pixel is a candidate
 * hit whose weight tends to 0 in that limit; the ADC rounds with a
 * straight-through estimator and saturates at 0 and 255. Noise enters as
 * reparameterized draws (sigma z, z fixed by the key), so gradients in the
 * noise levels are kept.
 */
import { tf, type Tensor, type PRNGKey } from '../../autodiff/index.js';
import { stRound } from '../../autodiff/index.js';
import type { ReadoutLayout } from './readout.js';
import type { LArTPCTensors, LArTPCValues } from './params.js';
import { LARPIX } from './constants.js';
import { scatterAdd, gatherAt } from './sparse-ops.js';
import { cellNormal, NOISE_STREAM } from './noise.js';

/** Electronics options. */
export interface ElectronicsOptions {
  /** Key of the noise draws; without one, no noise. */
  key?: PRNGKey;
  /** Integration window after the trigger [ticks]. */
  holdDelayTicks?: number;
  /** Dead ticks after a digitization. */
  resetTicks?: number;
  /** Relaxed mode: candidate hits are kept while their weight exceeds this. */
  minWeight?: number;
  /** Relaxed mode: follow this schedule instead of the one at the current values. */
  schedule?: HitSchedule;
}

/** The trigger schedule: one entry per (candidate) hit. */
export interface HitSchedule {
  /** Readout row (pixel) of the hit, hit number within the pixel, trigger tick. */
  row: Int32Array;
  hitNo: Int32Array;
  tick: Int32Array;
  /** Flat readout indices of the first integrated tick, the trigger tick and the last tick. */
  first: Int32Array;
  trigger: Int32Array;
  last: Int32Array;
  /** 1 if the hit fired in hard mode, 0 for a sub-threshold candidate. */
  fired: Uint8Array;
  /** Standard normal draws of each hit: reset level, uncorrelated, discriminator at the trigger tick. */
  zReset: Float32Array;
  zUncorrelated: Float32Array;
  zDiscriminator: Float32Array;
}

/** Hits as plain numbers. */
export interface HitList {
  row: Int32Array;
  tick: Int32Array;
  /** Collected charge [electrons] including noise. */
  charge: Float32Array;
  adc: Float32Array;
  /** 1 in hard mode; the sigmoid trigger weight in relaxed mode. */
  weight: Float32Array;
}

/** Digitization, float64 host: ADC count of a charge [electrons]. */
export function adcOf(q: number, gainMvPerE: number): number {
  const v = ((q * gainMvPerE + LARPIX.vPedestalMv - LARPIX.vCommonMv) * LARPIX.adcCounts) / (LARPIX.vRefMv - LARPIX.vCommonMv);
  return Math.min(LARPIX.adcCounts - 1, Math.max(0, Math.round(v)));
}

/** Digitization, tensor level: straight-through rounding, saturating clamp. */
export function adcTensor(q: Tensor, gainMvPerE: Tensor): Tensor {
  const scale = LARPIX.adcCounts / (LARPIX.vRefMv - LARPIX.vCommonMv);
  const v = tf.mul(tf.add(tf.mul(q, gainMvPerE), LARPIX.vPedestalMv - LARPIX.vCommonMv), scale);
  return tf.clipByValue(stRound(v), 0, LARPIX.adcCounts - 1);
}

/**
 * Runs the trigger logic on the host (float64) and returns the schedule,
 * including, when `withCandidates`, the sub-threshold candidate of each
 * pixel's remainder whose relaxed weight would exceed `minWeight`.
 */
export function triggerSchedule(charge: ArrayLike<number>, layout: ReadoutLayout, v: LArTPCValues, opts: ElectronicsOptions, withCandidates: boolean): HitSchedule {
  const H = opts.holdDelayTicks ?? LARPIX.holdDelayTicks;
  const R = opts.resetTicks ?? LARPIX.resetTicks;
  const e = v.electronics;
  const key = opts.key;
  const thr = e.threshold;
  const width = e.triggerSlope;
  const minW = opts.minWeight ?? 1e-6;
  const margin = width * Math.log(1 / minW - 1);
  const out = { row: [] as number[], hitNo: [] as number[], tick: [] as number[], first: [] as number[], trigger: [] as number[], last: [] as number[], fired: [] as number[], zr: [] as number[], zu: [] as number[], zd: [] as number[] };
  const push = (r: number, n: number, tick: number, a: number, t: number, b: number, fired: number, zr: number, zu: number, zd: number) => {
    out.row.push(r);
    out.hitNo.push(n);
    out.tick.push(tick);
    out.first.push(a);
    out.trigger.push(t);
    out.last.push(b);
    out.fired.push(fired);
    out.zr.push(zr);
    out.zu.push(zu);
    out.zd.push(zd);
  };
  for (let r = 0; r < layout.pixels.length; r++) {
    const id = layout.pixels[r];
    const off = layout.offset[r];
    const len = layout.length[r];
    const ts = layout.tickStart[r];
    const z = (stream: number, b: number) => (key ? cellNormal(key, stream, id, b) : 0);
    let hitNo = 0;
    let zr = z(NOISE_STREAM.reset, 0);
    let C = e.resetNoise * zr;
    let first = 0;
    let best = -Infinity;
    let bestT = -1;
    let bestZd = 0;
    for (let t = 0; t < len; t++) {
      C += charge[off + t];
      const zd = z(NOISE_STREAM.discriminator, ts + t);
      const s = C + e.discriminatorNoise * zd;
      if (s >= thr) {
        const last = Math.min(t + H, len - 1);
        push(r, hitNo, ts + t, off + first, off + t, off + last, 1, zr, z(NOISE_STREAM.uncorrelated, hitNo), zd);
        hitNo++;
        t = last + R;
        first = t + 1;
        zr = z(NOISE_STREAM.reset, hitNo);
        C = e.resetNoise * zr;
        best = -Infinity;
        bestT = -1;
        continue;
      }
      if (s > best) {
        best = s;
        bestT = t;
        bestZd = zd;
      }
    }
    if (withCandidates && bestT >= 0 && first < len && best > thr - margin) {
      push(r, hitNo, ts + bestT, off + first, off + bestT, off + Math.min(bestT + H, len - 1), 0, zr, z(NOISE_STREAM.uncorrelated, hitNo), bestZd);
    }
  }
  return {
    row: Int32Array.from(out.row),
    hitNo: Int32Array.from(out.hitNo),
    tick: Int32Array.from(out.tick),
    first: Int32Array.from(out.first),
    trigger: Int32Array.from(out.trigger),
    last: Int32Array.from(out.last),
    fired: Uint8Array.from(out.fired),
    zReset: Float32Array.from(out.zr),
    zUncorrelated: Float32Array.from(out.zu),
    zDiscriminator: Float32Array.from(out.zd),
  };
}

/** Hard mode: the hits that fire, with their charge and ADC, on the host. */
export function electronicsHard(charge: ArrayLike<number>, layout: ReadoutLayout, v: LArTPCValues, opts: ElectronicsOptions = {}): HitList {
  const s = triggerSchedule(charge, layout, v, opts, false);
  const n = s.row.length;
  const q = new Float32Array(n);
  const adc = new Float32Array(n);
  const e = v.electronics;
  for (let k = 0; k < n; k++) {
    let sum = 0;
    for (let i = s.first[k]; i <= s.last[k]; i++) sum += charge[i];
    q[k] = sum + e.resetNoise * s.zReset[k] + e.uncorrelatedNoise * s.zUncorrelated[k];
    adc[k] = adcOf(q[k], e.gain);
  }
  return { row: s.row, tick: s.tick, charge: q, adc, weight: new Float32Array(n).fill(1) };
}

function rangeSum(charge: Tensor, from: Int32Array, to: Int32Array): Tensor {
  const idx: number[] = [];
  const seg: number[] = [];
  for (let k = 0; k < from.length; k++) {
    for (let i = from[k]; i <= to[k]; i++) {
      idx.push(i);
      seg.push(k);
    }
  }
  if (idx.length === 0) return tf.zeros([from.length]);
  return scatterAdd(gatherAt(charge, Int32Array.from(idx)), Int32Array.from(seg), from.length);
}

/** Relaxed hits as tensors (differentiable) with the schedule they follow. */
export interface RelaxedHits {
  schedule: HitSchedule;
  charge: Tensor;
  adc: Tensor;
  weight: Tensor;
}

/**
 * Relaxed mode (tensor level, caller's tidy): the schedule is taken from the
 * hard trigger logic at the current values of `charge`; charges, ADC and
 * weights are differentiable in the readout and the electronics parameters.
 */
export function electronicsRelaxed(charge: Tensor, layout: ReadoutLayout, p: LArTPCTensors, v: LArTPCValues, opts: ElectronicsOptions = {}): RelaxedHits {
  const s = opts.schedule ?? triggerSchedule(charge.dataSync(), layout, v, opts, true);
  const e = p.electronics;
  const zr = tf.tensor1d(s.zReset);
  const base = tf.mul(e.resetNoise, zr);
  const atTrigger = tf.add(rangeSum(charge, s.first, s.trigger), base);
  const disc = tf.mul(e.discriminatorNoise, tf.tensor1d(s.zDiscriminator));
  const weight = tf.sigmoid(tf.div(tf.sub(tf.add(atTrigger, disc), e.threshold), e.triggerSlope));
  const q = tf.addN([rangeSum(charge, s.first, s.last), base, tf.mul(e.uncorrelatedNoise, tf.tensor1d(s.zUncorrelated))]);
  return { schedule: s, charge: q, adc: adcTensor(q, e.gain), weight };
}
