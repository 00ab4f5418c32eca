/**
 * Non-differentiable configuration of a simulation run: pixel counts, tick
 * length, readout length, model choices and numerical settings. Everything a
 * gradient can flow into lives in the parameter set (params.ts) instead.
 */
import { DomainError } from '../../autodiff/index.js';
import { MODULE0 } from './constants.js';
import type { RecombinationModel } from './recombination.js';

/** Run configuration. */
export interface SimConfig {
  /** Pixels along x and y on each anode. */
  nx: number;
  ny: number;
  /** Cathode z [cm]: a segment belongs to the TPC on its side. */
  cathodeZ: number;
  /** Time tick [µs]. */
  tickUs: number;
  /** Ticks in the readout window (tick 0 starts at t = 0). */
  nTicks: number;
  recombination: RecombinationModel;
  /** 'field': v_d from the field and temperature; 'free': the vdrift parameter. */
  vdrift: 'field' | 'free';
  /** Gaussian clouds per segment (the line of charge is sampled at their centres). */
  pointsPerSegment: number;
  /** Half-width of the pixel and tick windows in diffusion sigmas. */
  nSigma: number;
  /** Extra pixels added on each side of each window (covers pitch and cloud-spacing effects). */
  pixelMargin: number;
  /** Segments per chunk of the pixel-response computation. */
  chunkSize: number;
}

/**
 * The module-0 configuration: 140 x 280 pixels per anode, 0.1 µs ticks,
 * 200 µs readout (physics reference sheet section 1).
 */
export function module0Config(over: Partial<SimConfig> = {}): SimConfig {
  const nx = Math.round((MODULE0.xRangeCm[1] - MODULE0.xRangeCm[0]) / MODULE0.pixelPitchCm);
  const ny = Math.round((MODULE0.yRangeCm[1] - MODULE0.yRangeCm[0]) / MODULE0.pixelPitchCm);
  return checkConfig({
    nx,
    ny,
    cathodeZ: 0,
    tickUs: MODULE0.tickUs,
    nTicks: Math.round(MODULE0.readoutWindowUs / MODULE0.tickUs),
    recombination: 'birks',
    vdrift: 'field',
    pointsPerSegment: 8,
    nSigma: 5,
    pixelMargin: 0,
    chunkSize: 4096,
    ...over,
  });
}

/** Validates a configuration, naming the bad field. */
export function checkConfig(c: SimConfig): SimConfig {
  for (const f of ['nx', 'ny', 'nTicks', 'pointsPerSegment', 'chunkSize'] as const) {
    if (!(Number.isInteger(c[f]) && c[f] >= 1)) throw new DomainError(`config.${f}`, c[f], 'must be a positive integer');
  }
  if (!(Number.isInteger(c.pixelMargin) && c.pixelMargin >= 0)) throw new DomainError('config.pixelMargin', c.pixelMargin, 'must be a non-negative integer');
  if (!(c.tickUs > 0)) throw new DomainError('config.tickUs', c.tickUs, 'must be positive');
  if (!(c.nSigma >= 2)) throw new DomainError('config.nSigma', c.nSigma, 'must be at least 2');
  return c;
}
