/**
 * The LArTPC simulation's parameters as a ParamSet: physics (recombination,
 * field, lifetime, diffusion), geometry (pixel pitch, pixel-plane origin,
 * anode positions) and electronics (gain, threshold, trigger slope, noise).
 * Nominal values and fit ranges: physics reference sheet section 1 (larnd-sim,
 * arXiv:2309.04639). Every parameter is differentiable; `trainable` only
 * chooses which ones a fit moves.
 */
import { ParamSet, param, type Tensor } from '../../autodiff/index.js';
import { LARPIX, LAR_TEMPERATURE_K, MODULE0 } from './constants.js';
import type { RecombinationModel } from './recombination.js';

/** Names of the six parameters the differentiable larnd-sim fits jointly. */
export const ANCHOR_FIT_PARAMS = ['recombination.Ab', 'recombination.kb', 'drift.DT', 'drift.DL', 'drift.lifetime', 'drift.efield'] as const;

/** Options of `lartpcParams`. */
export interface LArTPCParamOptions {
  /** Which recombination parameters are trainable. Default 'birks'. */
  recombination?: RecombinationModel;
  /** 'field': v_d from E (default); 'free': v_d its own trainable parameter. */
  vdrift?: 'field' | 'free';
}

/**
 * The parameter set at nominal values. Trainable by default: the anchor's six
 * (A_b, k_b or alpha, beta; D_T, D_L, lifetime, E).
 *
 * @example
 * ```ts
 * const ps = lartpcParams();
 * ps.get('drift.lifetime'); // 2200 (µs)
 * ```
 */
export function lartpcParams(opts: LArTPCParamOptions = {}): ParamSet {
  const birks = (opts.recombination ?? 'birks') === 'birks';
  const freeV = opts.vdrift === 'free';
  return new ParamSet({
    recombination: {
      Ab: param(0.8, { bounds: [0.78, 0.88], trainable: birks, doc: 'Birks A_b' }),
      kb: param(0.0486, { unit: '(kV/cm)(g/cm^2)/MeV', bounds: [0.04, 0.07], trainable: birks, doc: 'Birks k_b' }),
      alpha: param(0.93, { bounds: [0.85, 1.1], trainable: !birks, doc: 'Box alpha' }),
      beta: param(0.207, { unit: '(kV/cm)(g/cm^2)/MeV', bounds: [0.18, 0.22], trainable: !birks, doc: 'Box beta' }),
    },
    drift: {
      efield: param(0.5, { unit: 'kV/cm', bounds: [0.45, 0.55], doc: 'drift field; sets v_d unless v_d is free' }),
      vdrift: param(0.1596, { unit: 'cm/us', bounds: [0.14, 0.18], trainable: freeV, doc: 'drift velocity, read only when free' }),
      lifetime: param(2200, { unit: 'us', bounds: [500, 5000], transform: 'log', doc: 'electron lifetime' }),
      DL: param(4.0e-6, { unit: 'cm^2/us', bounds: [2e-6, 9e-6], transform: 'log', doc: 'longitudinal diffusion' }),
      DT: param(8.8e-6, { unit: 'cm^2/us', bounds: [4e-6, 14e-6], transform: 'log', doc: 'transverse diffusion' }),
      temperature: param(LAR_TEMPERATURE_K, { unit: 'K', trainable: false }),
    },
    geometry: {
      pitch: param(MODULE0.pixelPitchCm, { unit: 'cm', trainable: false, doc: 'pixel pitch' }),
      xMin: param(MODULE0.xRangeCm[0], { unit: 'cm', trainable: false, doc: 'pixel-plane lower x edge' }),
      yMin: param(MODULE0.yRangeCm[0], { unit: 'cm', trainable: false, doc: 'pixel-plane lower y edge' }),
      anodeZ: param([...MODULE0.anodeZCm], { unit: 'cm', trainable: false, doc: 'anode z of each TPC' }),
    },
    electronics: {
      gain: param(LARPIX.gainMvPerE, { unit: 'mV/e', trainable: false }),
      threshold: param(LARPIX.thresholdE, { unit: 'e', trainable: false }),
      triggerSlope: param(200, { unit: 'e', trainable: false, doc: 'width of the sigmoid trigger in relaxed mode' }),
      resetNoise: param(LARPIX.resetNoiseE, { unit: 'e', trainable: false }),
      uncorrelatedNoise: param(LARPIX.uncorrelatedNoiseE, { unit: 'e', trainable: false }),
      discriminatorNoise: param(LARPIX.discriminatorNoiseE, { unit: 'e', trainable: false }),
    },
  });
}

/** The physical parameter tree the simulation reads (all rank-0 tensors but anodeZ [2]). */
export interface LArTPCTensors {
  recombination: { Ab: Tensor; kb: Tensor; alpha: Tensor; beta: Tensor };
  drift: { efield: Tensor; vdrift: Tensor; lifetime: Tensor; DL: Tensor; DT: Tensor; temperature: Tensor };
  geometry: { pitch: Tensor; xMin: Tensor; yMin: Tensor; anodeZ: Tensor };
  electronics: { gain: Tensor; threshold: Tensor; triggerSlope: Tensor; resetNoise: Tensor; uncorrelatedNoise: Tensor; discriminatorNoise: Tensor };
}

/** The same tree as plain numbers (host-side planning). */
export interface LArTPCValues {
  recombination: { Ab: number; kb: number; alpha: number; beta: number };
  drift: { efield: number; vdrift: number; lifetime: number; DL: number; DT: number; temperature: number };
  geometry: { pitch: number; xMin: number; yMin: number; anodeZ: number[] };
  electronics: { gain: number; threshold: number; triggerSlope: number; resetNoise: number; uncorrelatedNoise: number; discriminatorNoise: number };
}
