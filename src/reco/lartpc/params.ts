/**
 * The reconstruction's own parameters: the calibration constants it assumes
 * (electron lifetime, drift velocity, trigger time, recombination constants
 * and field for the charge-to-energy inversion) and the hit-selection
 * threshold. They are a ParamSet separate from the simulation's, so a study
 * can reconstruct with constants that differ from the detector's (a
 * miscalibration) and fit them. Nominal values are the simulation's
 * (physics reference sheet section 1; larnd-sim, arXiv:2309.04639).
 */
import { ParamSet, param, type Tensor } from '../../autodiff/index.js';
import { driftVelocityHost, LAR_TEMPERATURE_K } from '../../sim/lartpc/index.js';

/** Options of `recoParams`: nominal values to start from. */
export interface RecoParamOptions {
  /** Assumed electron lifetime [µs]. Default 2200. */
  lifetimeUs?: number;
  /** Assumed drift velocity [cm/µs]. Default v_d(0.5 kV/cm, 87.17 K) = 0.1597. */
  vdriftCmPerUs?: number;
  /** Hit-selection threshold [electrons]. Default 3000. */
  thresholdE?: number;
}

/**
 * Reconstruction parameters at nominal values. Trainable by default: the
 * lifetime (the constant a calibration fits); the rest are frozen.
 *
 * @example
 * ```ts
 * const rp = recoParams({ lifetimeUs: 1980 }); // 10 % below the simulation's 2200 µs
 * rp.get('calibration.lifetime'); // 1980
 * ```
 */
export function recoParams(o: RecoParamOptions = {}): ParamSet {
  return new ParamSet({
    calibration: {
      lifetime: param(o.lifetimeUs ?? 2200, { unit: 'us', bounds: [100, 20000], transform: 'log', doc: 'electron lifetime used for the attenuation correction' }),
      vdrift: param(o.vdriftCmPerUs ?? driftVelocityHost(0.5, LAR_TEMPERATURE_K), { unit: 'cm/us', bounds: [0.1, 0.25], trainable: false, doc: 'drift velocity used to turn drift time into distance' }),
      t0: param(0, { unit: 'us', trainable: false, doc: 'event time: drift time = hit time - t0' }),
      Ab: param(0.8, { bounds: [0.5, 1], trainable: false, doc: 'Birks A_b of the recombination inversion' }),
      kb: param(0.0486, { unit: '(kV/cm)(g/cm^2)/MeV', bounds: [0.01, 0.1], trainable: false, doc: 'Birks k_b of the recombination inversion' }),
      efield: param(0.5, { unit: 'kV/cm', bounds: [0.1, 1], trainable: false, doc: 'drift field of the recombination inversion' }),
    },
    selection: {
      threshold: param(o.thresholdE ?? 3000, { unit: 'e', bounds: [0, 50000], trainable: false, doc: 'hit charge below which a hit is dropped (soft)' }),
      width: param(500, { unit: 'e', bounds: [1, 10000], trainable: false, doc: 'width of the soft hit threshold' }),
    },
  });
}

/** The reconstruction's parameter tree as tensors (from `physicalTree` or `constantTree`). */
export interface RecoTensors {
  calibration: { lifetime: Tensor; vdrift: Tensor; t0: Tensor; Ab: Tensor; kb: Tensor; efield: Tensor };
  selection: { threshold: Tensor; width: Tensor };
}

/** The detector geometry the reconstruction reads (the simulation's geometry tensors). */
export interface RecoGeometry {
  /** Pixel pitch [cm], lower pixel-plane edges [cm], anode z of each TPC [cm] ([nTPC]). */
  pitch: Tensor;
  xMin: Tensor;
  yMin: Tensor;
  anodeZ: Tensor;
}
