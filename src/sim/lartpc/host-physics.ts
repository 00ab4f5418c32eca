/**
 * Float64 host versions of the drift formulas, for planning which pixels and
 * ticks a segment can reach (the sparse windows) and for the hard-mode
 * bookkeeping. They mirror drift.ts exactly.
 */
import { MOBILITY_PARAMS, MOBILITY_T0_K } from './constants.js';
import { SIGMA_FLOOR_CM } from './drift.js';
import type { LArTPCValues } from './params.js';
import type { SimConfig } from './config.js';

/** Drift velocity [cm/µs] (see drift.ts). */
export function driftVelocityHost(efield: number, temperatureK: number): number {
  const [a0, a1, a2, a3, a4, a5] = MOBILITY_PARAMS;
  const e = efield;
  const mu = ((a0 + a1 * e + a2 * e ** 1.5 + a3 * e ** 2.5) / (1 + (a1 / a0) * e + a4 * e * e + a5 * e ** 3)) * (temperatureK / MOBILITY_T0_K) ** -1.5;
  return e * mu * 1e-3;
}

/** The drift velocity the simulation uses for these values and configuration. */
export function vdriftOf(v: LArTPCValues, c: SimConfig): number {
  return c.vdrift === 'free' ? v.drift.vdrift : driftVelocityHost(v.drift.efield, v.drift.temperature);
}

/** Diffusion width [cm] (see drift.ts). */
export function diffusionSigmaHost(D: number, tUs: number): number {
  return Math.sqrt(2 * D * tUs + SIGMA_FLOOR_CM * SIGMA_FLOOR_CM);
}

/** TPC index and drift direction of a point: dist = dir (anodeZ - z). */
export function tpcOf(z: number, v: LArTPCValues, c: SimConfig): { tpc: number; dir: number } {
  const a = v.geometry.anodeZ;
  for (let i = 0; i < a.length; i++) {
    const dir = a[i] > c.cathodeZ ? 1 : -1;
    if (dir * (z - c.cathodeZ) >= 0 && dir * (a[i] - z) >= 0) return { tpc: i, dir };
  }
  return { tpc: -1, dir: 0 };
}
