/**
 * Input checks for segments: non-finite values, negative energy, zero length
 * and segments outside the active volume are removed (or, for segments that
 * cross the volume boundary, clipped to it), with a report that counts each
 * kind; `strict` turns any such segment into an error that names it.
 */
import { DiffhepError, NonFiniteError, DomainError } from '../../autodiff/index.js';
import { SEGMENT_FIELDS, allocSegments, segmentCount, type Segments } from './segments.js';
import type { SimConfig } from './config.js';
import type { LArTPCValues } from './params.js';

/** Counts of what `cleanSegments` did. */
export interface SegmentReport {
  input: number;
  kept: number;
  nonFinite: number;
  negativeEnergy: number;
  zeroLength: number;
  outside: number;
  clipped: number;
  /** One line summarising the counts. */
  message: string;
}

/** Active volume: the pixel plane in x, y and the drift region of each TPC in z. */
export interface ActiveVolume {
  x: [number, number];
  y: [number, number];
  /** z ranges of the TPCs, [cathode, anode] ordered low..high. */
  z: [number, number][];
}

/** The active volume at the given geometry values. */
export function activeVolume(v: LArTPCValues, c: SimConfig): ActiveVolume {
  const g = v.geometry;
  return {
    x: [g.xMin, g.xMin + c.nx * g.pitch],
    y: [g.yMin, g.yMin + c.ny * g.pitch],
    z: g.anodeZ.map((a) => (a > c.cathodeZ ? [c.cathodeZ, a] : [a, c.cathodeZ]) as [number, number]),
  };
}

/** Clips the segment a->b to a box; returns the parameter range [u0, u1] of the part inside, or null. */
function clipToBox(a: number[], b: number[], lo: number[], hi: number[]): [number, number] | null {
  let u0 = 0;
  let u1 = 1;
  for (let k = 0; k < 3; k++) {
    const d = b[k] - a[k];
    if (d === 0) {
      if (a[k] < lo[k] || a[k] > hi[k]) return null;
      continue;
    }
    let ta = (lo[k] - a[k]) / d;
    let tb = (hi[k] - a[k]) / d;
    if (ta > tb) [ta, tb] = [tb, ta];
    u0 = Math.max(u0, ta);
    u1 = Math.min(u1, tb);
  }
  return u1 > u0 ? [u0, u1] : null;
}

/**
 * Removes or clips bad segments. A segment crossing the boundary of its TPC
 * is clipped to the part inside and its dE scaled by the kept fraction.
 *
 * @example
 * ```ts
 * const { segments, report } = cleanSegments(raw, values, config);
 * console.log(report.message); // "kept 98 of 100 segments: 1 non-finite, 1 outside ..."
 * ```
 */
export function cleanSegments(seg: Segments, v: LArTPCValues, c: SimConfig, opts: { strict?: boolean } = {}): { segments: Segments; report: SegmentReport } {
  const n = segmentCount(seg);
  const vol = activeVolume(v, c);
  const keep: { i: number; u0: number; u1: number }[] = [];
  const r = { nonFinite: 0, negativeEnergy: 0, zeroLength: 0, outside: 0, clipped: 0 };
  const fail = (i: number, e: DiffhepError) => {
    if (opts.strict) throw e;
    void i;
  };
  for (let i = 0; i < n; i++) {
    const bad = SEGMENT_FIELDS.find((f) => !Number.isFinite(seg[f][i]));
    if (bad) {
      r.nonFinite++;
      fail(i, new NonFiniteError(`segments.${bad}[${i}]`, seg[bad][i]));
      continue;
    }
    if (!(seg.dE[i] >= 0) || !(seg.dEdx[i] > 0)) {
      r.negativeEnergy++;
      fail(i, new DomainError(seg.dE[i] < 0 ? `segments.dE[${i}]` : `segments.dEdx[${i}]`, seg.dE[i] < 0 ? seg.dE[i] : seg.dEdx[i], 'energy must be non-negative and dE/dx positive'));
      continue;
    }
    const a = [seg.x_start[i], seg.y_start[i], seg.z_start[i]];
    const b = [seg.x_end[i], seg.y_end[i], seg.z_end[i]];
    const len = Math.hypot(b[0] - a[0], b[1] - a[1], b[2] - a[2]);
    if (!(len > 0)) {
      r.zeroLength++;
      fail(i, new DomainError(`segments[${i}] length`, len, 'segment has zero length'));
      continue;
    }
    const zm = 0.5 * (a[2] + b[2]);
    const box = vol.z.find(([lo, hi]) => zm >= lo && zm <= hi);
    const clip = box ? clipToBox(a, b, [vol.x[0], vol.y[0], box[0]], [vol.x[1], vol.y[1], box[1]]) : null;
    if (!clip) {
      r.outside++;
      fail(i, new DomainError(`segments[${i}]`, { x: a[0], y: a[1], z: a[2] }, 'segment outside the active volume'));
      continue;
    }
    if (clip[0] > 0 || clip[1] < 1) {
      r.clipped++;
      fail(i, new DomainError(`segments[${i}]`, { x: a[0], y: a[1], z: a[2] }, 'segment crosses the active-volume boundary'));
    }
    keep.push({ i, u0: clip[0], u1: clip[1] });
  }
  const out = allocSegments(keep.length);
  if (seg.pdg_id) out.pdg_id = new Int32Array(keep.length);
  keep.forEach(({ i, u0, u1 }, k) => {
    const lerp = (s: number, e: number, u: number) => s + (e - s) * u;
    out.x_start[k] = lerp(seg.x_start[i], seg.x_end[i], u0);
    out.y_start[k] = lerp(seg.y_start[i], seg.y_end[i], u0);
    out.z_start[k] = lerp(seg.z_start[i], seg.z_end[i], u0);
    out.x_end[k] = lerp(seg.x_start[i], seg.x_end[i], u1);
    out.y_end[k] = lerp(seg.y_start[i], seg.y_end[i], u1);
    out.z_end[k] = lerp(seg.z_start[i], seg.z_end[i], u1);
    out.dE[k] = seg.dE[i] * (u1 - u0);
    out.dEdx[k] = seg.dEdx[i];
    out.t0[k] = seg.t0[i];
    out.event_id[k] = seg.event_id[i];
    out.traj_id[k] = seg.traj_id[i];
    if (seg.pdg_id && out.pdg_id) out.pdg_id[k] = seg.pdg_id[i];
  });
  const parts = [
    r.nonFinite && `${r.nonFinite} with NaN or infinite fields removed`,
    r.negativeEnergy && `${r.negativeEnergy} with negative dE or non-positive dE/dx removed`,
    r.zeroLength && `${r.zeroLength} of zero length removed`,
    r.outside && `${r.outside} outside the active volume removed`,
    r.clipped && `${r.clipped} clipped to the active volume`,
  ].filter(Boolean);
  const message = `kept ${keep.length} of ${n} segments` + (parts.length ? `: ${parts.join(', ')}` : '');
  return { segments: out, report: { input: n, kept: keep.length, ...r, message } };
}
