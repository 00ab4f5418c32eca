/**
 * Energy-deposit segments, the input of the LArTPC simulation, as a structure
 * of arrays with larnd-sim's field names for its `segments` dataset
 * (larnd-sim, arXiv:2309.04639). Coordinates in cm in the simulation frame
 * (z = drift direction), dE in MeV, dEdx in MeV/cm, t0 in µs.
 */

/** The larnd-sim field names, in file order. */
export const SEGMENT_FIELDS = ['x_start', 'y_start', 'z_start', 'x_end', 'y_end', 'z_end', 'dE', 'dEdx', 't0', 'event_id', 'traj_id'] as const;

/** A field name of the segments dataset. */
export type SegmentField = (typeof SEGMENT_FIELDS)[number];

/** A batch of segments: one entry per segment in every array. */
export interface Segments {
  x_start: Float32Array;
  y_start: Float32Array;
  z_start: Float32Array;
  x_end: Float32Array;
  y_end: Float32Array;
  z_end: Float32Array;
  /** Deposited energy [MeV]. */
  dE: Float32Array;
  /** Stopping power [MeV/cm]. */
  dEdx: Float32Array;
  /** Start time [µs]. */
  t0: Float32Array;
  event_id: Int32Array;
  traj_id: Int32Array;
  /** Optional PDG code of the particle that made the segment. */
  pdg_id?: Int32Array;
}

/** Number of segments in a batch (checks every field has that length). */
export function segmentCount(s: Segments): number {
  const n = s.x_start.length;
  for (const f of SEGMENT_FIELDS) {
    if (s[f].length !== n) throw new Error(`segments field '${f}' has ${s[f].length} entries, expected ${n}`);
  }
  return n;
}

/** An empty batch of `n` segments (zeros). */
export function allocSegments(n: number): Segments {
  return {
    x_start: new Float32Array(n),
    y_start: new Float32Array(n),
    z_start: new Float32Array(n),
    x_end: new Float32Array(n),
    y_end: new Float32Array(n),
    z_end: new Float32Array(n),
    dE: new Float32Array(n),
    dEdx: new Float32Array(n),
    t0: new Float32Array(n),
    event_id: new Int32Array(n),
    traj_id: new Int32Array(n),
  };
}

/** Concatenates batches. */
export function concatSegments(parts: Segments[]): Segments {
  const n = parts.reduce((s, p) => s + segmentCount(p), 0);
  const out = allocSegments(n);
  const withPdg = parts.every((p) => p.pdg_id);
  if (withPdg) out.pdg_id = new Int32Array(n);
  let k = 0;
  for (const p of parts) {
    const m = segmentCount(p);
    for (const f of SEGMENT_FIELDS) (out[f] as Float32Array | Int32Array).set(p[f] as never, k);
    if (withPdg && p.pdg_id && out.pdg_id) out.pdg_id.set(p.pdg_id, k);
    k += m;
  }
  return out;
}
