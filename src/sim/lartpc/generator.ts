/**
 * Seeded segment generator for tests and experiments: straight muon and
 * proton tracks in any direction, cut into segments whose dE/dx follows the
 * Bethe-Bloch formula (PDG Review "Passage of particles through matter",
 * eq. 34.5, without the density-effect correction, which is below 1 % for
 * the momenta used here); protons that stop in the volume show the Bragg peak.
 * Energy loss per step uses the mid-step energy (second-order accurate).
 */
import { DomainError, type PRNGKey } from '../../autodiff/index.js';
import { allocSegments, concatSegments, type Segments } from './segments.js';
import { ARGON_A_G_MOL, ARGON_I_MEV, ARGON_Z, BETHE_K_MEV_CM2_MOL, ELECTRON_MASS_MEV, LAR_DENSITY_G_CM3, MUON_MASS_MEV, PROTON_MASS_MEV } from './constants.js';

/** Particle species of the generator. */
export type Particle = 'muon' | 'proton';

const MASS: Record<Particle, number> = { muon: MUON_MASS_MEV, proton: PROTON_MASS_MEV };
const PDG: Record<Particle, number> = { muon: 13, proton: 2212 };

/** Kinetic energy below which a particle is stopped and deposits the rest [MeV]. */
const STOP_MEV = 1;

/**
 * Mean stopping power of liquid argon [MeV/cm] for a singly charged particle
 * of kinetic energy T [MeV] and mass M [MeV].
 *
 * @example
 * ```ts
 * betheBloch(1000, MUON_MASS_MEV); // ~2.2 MeV/cm
 * ```
 */
export function betheBloch(kineticMeV: number, massMeV: number): number {
  if (!(kineticMeV > 0)) throw new DomainError('kineticMeV', kineticMeV, 'must be positive');
  const gamma = 1 + kineticMeV / massMeV;
  const beta2 = 1 - 1 / (gamma * gamma);
  const bg2 = beta2 * gamma * gamma;
  const me = ELECTRON_MASS_MEV;
  const r = me / massMeV;
  const tmax = (2 * me * bg2) / (1 + 2 * gamma * r + r * r);
  const arg = (2 * me * bg2 * tmax) / (ARGON_I_MEV * ARGON_I_MEV);
  const bracket = 0.5 * Math.log(Math.max(arg, 1.0001)) - beta2;
  return ((BETHE_K_MEV_CM2_MOL * ARGON_Z) / ARGON_A_G_MOL) * (1 / beta2) * Math.max(bracket, 0.05) * LAR_DENSITY_G_CM3;
}

/** A straight track to cut into segments. */
export interface TrackSpec {
  particle: Particle;
  /** Start point [cm]. */
  start: [number, number, number];
  /** Direction (normalized internally). */
  direction: [number, number, number];
  kineticMeV: number;
  /** Longest track length [cm] (the track stops earlier if its energy runs out). */
  maxLengthCm: number;
  /** Segment length [cm]. */
  stepCm: number;
  t0Us?: number;
  eventId?: number;
  trajId?: number;
}

/** Cuts one track into segments. */
export function trackSegments(spec: TrackSpec): Segments {
  const [dx, dy, dz] = spec.direction;
  const norm = Math.hypot(dx, dy, dz);
  if (!(norm > 0)) throw new DomainError('direction', spec.direction, 'must be a non-zero vector');
  if (!(spec.stepCm > 0)) throw new DomainError('stepCm', spec.stepCm, 'must be positive');
  if (!(spec.kineticMeV > 0)) throw new DomainError('kineticMeV', spec.kineticMeV, 'must be positive');
  const u = [dx / norm, dy / norm, dz / norm];
  const M = MASS[spec.particle];
  const rows: { a: number; b: number; dE: number }[] = [];
  let T = spec.kineticMeV;
  let s = 0;
  while (s < spec.maxLengthCm - 1e-9 && T > 0) {
    const step = Math.min(spec.stepCm, spec.maxLengthCm - s);
    if (T <= STOP_MEV) {
      // the last millimetres: deposit what is left over the residual range
      const len = Math.min(step, Math.max(T / betheBloch(STOP_MEV, M), 1e-3));
      rows.push({ a: s, b: s + len, dE: T });
      T = 0;
      break;
    }
    const mid = T - 0.5 * step * betheBloch(T, M);
    let dE = step * betheBloch(Math.max(mid, STOP_MEV), M);
    let len = step;
    if (dE >= T - STOP_MEV) {
      // the particle stops within this step
      dE = T;
      len = Math.max(step * (T / (step * betheBloch(Math.max(mid, STOP_MEV), M))), 1e-3);
      len = Math.min(len, step);
    }
    rows.push({ a: s, b: s + len, dE });
    T -= dE;
    s += len;
  }
  const out = allocSegments(rows.length);
  out.pdg_id = new Int32Array(rows.length).fill(PDG[spec.particle]);
  rows.forEach((r, i) => {
    out.x_start[i] = spec.start[0] + u[0] * r.a;
    out.y_start[i] = spec.start[1] + u[1] * r.a;
    out.z_start[i] = spec.start[2] + u[2] * r.a;
    out.x_end[i] = spec.start[0] + u[0] * r.b;
    out.y_end[i] = spec.start[1] + u[1] * r.b;
    out.z_end[i] = spec.start[2] + u[2] * r.b;
    out.dE[i] = r.dE;
    out.dEdx[i] = r.dE / (r.b - r.a);
    out.t0[i] = spec.t0Us ?? 0;
    out.event_id[i] = spec.eventId ?? 0;
    out.traj_id[i] = spec.trajId ?? 0;
  });
  return out;
}

/** A box [cm]. */
export interface Box {
  x: [number, number];
  y: [number, number];
  z: [number, number];
}

/** Options of `randomTracks`. */
export interface RandomTrackOptions {
  /** Volume the tracks start in and stay in (tracks are cut at its faces). */
  box: Box;
  /** Fraction of protons (the rest are muons). Default 0.5. */
  protonFraction?: number;
  /** Kinetic-energy ranges [MeV]. Defaults: muons 300-2000, protons 50-250 (stopping within tens of cm). */
  muonMeV?: [number, number];
  protonMeV?: [number, number];
  /** Longest track [cm]. Default 30. */
  maxLengthCm?: number;
  stepCm?: number;
  /** Event time range [µs]. Default [0, 0]. */
  t0Us?: [number, number];
}

function lengthInBox(p: number[], u: number[], box: Box): number {
  let t = Infinity;
  const lo = [box.x[0], box.y[0], box.z[0]];
  const hi = [box.x[1], box.y[1], box.z[1]];
  for (let k = 0; k < 3; k++) {
    if (u[k] > 0) t = Math.min(t, (hi[k] - p[k]) / u[k]);
    else if (u[k] < 0) t = Math.min(t, (lo[k] - p[k]) / u[k]);
  }
  return t;
}

/**
 * `n` random tracks (one per event), each starting uniformly in `box`, with
 * an isotropic direction, cut where it leaves the box.
 *
 * @example
 * ```ts
 * const seg = randomTracks(prngKey(7), 10, { box: { x: [-5, 5], y: [-5, 5], z: [1, 29] } });
 * ```
 */
export function randomTracks(key: PRNGKey, n: number, opts: RandomTrackOptions): Segments {
  const parts: Segments[] = [];
  const pf = opts.protonFraction ?? 0.5;
  const [mLo, mHi] = opts.muonMeV ?? [300, 2000];
  const [pLo, pHi] = opts.protonMeV ?? [50, 250];
  const [tLo, tHi] = opts.t0Us ?? [0, 0];
  for (let i = 0; i < n; i++) {
    const r = key.fold(i).uniforms(8);
    const b = opts.box;
    const start = [b.x[0] + r[0] * (b.x[1] - b.x[0]), b.y[0] + r[1] * (b.y[1] - b.y[0]), b.z[0] + r[2] * (b.z[1] - b.z[0])];
    const cosT = 2 * r[3] - 1;
    const phi = 2 * Math.PI * r[4];
    const sinT = Math.sqrt(1 - cosT * cosT);
    const u = [sinT * Math.cos(phi), sinT * Math.sin(phi), cosT];
    const particle: Particle = r[5] < pf ? 'proton' : 'muon';
    const [lo, hi] = particle === 'proton' ? [pLo, pHi] : [mLo, mHi];
    const len = Math.min(opts.maxLengthCm ?? 30, lengthInBox(start, u, b));
    if (!(len > 0.05)) {
      i--;
      key = key.fold('retry');
      continue;
    }
    parts.push(
      trackSegments({
        particle,
        start: start as [number, number, number],
        direction: u as [number, number, number],
        kineticMeV: lo + r[6] * (hi - lo),
        maxLengthCm: len,
        stepCm: opts.stepCm ?? 0.4,
        t0Us: tLo + r[7] * (tHi - tLo),
        eventId: i,
        trajId: i,
      }),
    );
  }
  return concatSegments(parts);
}

/**
 * The benchmark workload of the physics reference sheet: straight muon tracks
 * of `segmentsPerTrack` segments of 0.4 cm with 0.84 MeV each (dE/dx 2.1
 * MeV/cm), one per event, alternating between the two TPCs of module 0 with
 * drift distances of 2-28 cm.
 */
export function benchmarkMuons(key: PRNGKey, nTracks: number, segmentsPerTrack = 100): Segments {
  const parts: Segments[] = [];
  for (let i = 0; i < nTracks; i++) {
    const r = key.fold(i).uniforms(5);
    const side = i % 2 === 0 ? 1 : -1;
    const anode = 30.431 * side;
    const d0 = 2 + 26 * r[0];
    const d1 = 2 + 26 * r[1];
    const L = segmentsPerTrack * 0.4;
    // direction chosen so the drift distance goes from d0 to d1 over the track
    const dz = (anode - side * d1) - (anode - side * d0);
    const dxy = Math.sqrt(Math.max(L * L - dz * dz, 0));
    const phi = 2 * Math.PI * r[2];
    const start: [number, number, number] = [-15 + 30 * r[3] - 0.5 * dxy * Math.cos(phi), -40 + 30 * r[4] - 0.5 * dxy * Math.sin(phi), anode - side * d0];
    const s = allocSegments(segmentsPerTrack);
    const u = [(dxy * Math.cos(phi)) / L, (dxy * Math.sin(phi)) / L, dz / L];
    for (let k = 0; k < segmentsPerTrack; k++) {
      s.x_start[k] = start[0] + u[0] * 0.4 * k;
      s.y_start[k] = start[1] + u[1] * 0.4 * k;
      s.z_start[k] = start[2] + u[2] * 0.4 * k;
      s.x_end[k] = start[0] + u[0] * 0.4 * (k + 1);
      s.y_end[k] = start[1] + u[1] * 0.4 * (k + 1);
      s.z_end[k] = start[2] + u[2] * 0.4 * (k + 1);
      s.dE[k] = 0.84;
      s.dEdx[k] = 2.1;
      s.event_id[k] = i;
      s.traj_id[k] = i;
    }
    parts.push(s);
  }
  return concatSegments(parts);
}
