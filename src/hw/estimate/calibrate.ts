/**
 * The calibration set of the resource estimator: a fixed, reproducible list
 * of random dense networks (sizes, weight widths, input and layer types,
 * sparsities and reuse factors spread over the ranges the estimator is used
 * for), each small enough for yosys to synthesize in well under a minute.
 * `bench/hw-estimate-calibrate.ts` synthesizes them and stores the results in
 * calibration.json; the estimator's coefficients are fitted to that table.
 *
 * @example
 * ```ts
 * for (const { spec, reuse } of calibrationSpecs()) console.log(sampleId(spec, reuse));
 * ```
 */
import { prngKey } from '../../autodiff/index.js';
import type { RandomNetSpec } from './random-net.js';

/** One synthesized calibration network. */
export interface CalibrationSample {
  spec: RandomNetSpec;
  reuse: number;
  luts: number;
  ffs: number;
  dsps: number;
  carry4: number;
  /** yosys wall time. */
  seconds: number;
}

/** Fitted coefficients: resource = Σ coefficient · feature (feature names as in `designFeatures`). */
export interface Coefficients {
  luts: Record<string, number>;
  ffs: Record<string, number>;
}

/** The stored table: how it was produced, the samples and the fit. */
export interface CalibrationTable {
  producedBy: string;
  synthesizer: string;
  samples: CalibrationSample[];
  coefficients: Coefficients;
  /** Relative LUT error of the fit on its own samples (median, max). */
  fitError?: { lutsMedian: number; lutsMax: number; ffsMedian: number; ffsMax: number };
}

/** A stable key of a sample. */
export function sampleId(spec: RandomNetSpec, reuse: number): string {
  return `s${spec.seed}_${spec.sizes.join('x')}_w${spec.weightBits}_sp${spec.sparsity ?? 0}_${spec.input ?? 'in'}_${spec.precision ?? 'p'}_r${reuse}`;
}

const SIZES = [
  [4, 8, 4],
  [8, 8, 4],
  [6, 12, 3],
  [8, 16, 4],
  [10, 10, 6],
  [12, 8, 6, 3],
  [16, 8, 4],
  [5, 16, 5],
];
const INPUTS = ['ap_fixed<8,3>', 'ap_fixed<12,4>', 'ap_fixed<16,6>'];
const PRECISIONS = ['ap_fixed<10,4>', 'ap_fixed<16,6>'];
const WEIGHT_BITS = [3, 4, 6, 8, 10];
const SPARSITIES = [0, 0.3, 0.6, 0.8];

/** Layer types with rounding and saturation (their casts cost logic), for the last calibration networks. */
const ROUNDING_PRECISIONS = ['ap_fixed<12,4,AP_RND,AP_SAT>', 'ap_fixed<10,4,AP_RND_CONV,AP_SAT>', 'ap_fixed<14,5,AP_RND_ZERO,AP_SAT_SYM>'];

/**
 * The calibration networks: 24 at reuse 1 and 10 at reuse 2, 3, 4 and 8 with
 * truncating, wrapping layer types, then 6 at reuse 1 and 2 at reuse 2 and 4
 * with rounding, saturating layer types.
 */
export function calibrationSpecs(): { spec: RandomNetSpec; reuse: number }[] {
  const out: { spec: RandomNetSpec; reuse: number }[] = [];
  const pick = <T>(a: T[], u: number) => a[Math.floor(u * a.length)];
  for (let k = 0; k < 42; k++) {
    const u = prngKey('hw-estimate-calibration').fold(k).uniforms(6);
    const reuse = k < 24 ? 1 : k < 34 ? [2, 3, 4, 8][k % 4] : k < 40 ? 1 : [2, 4][k % 2];
    const spec: RandomNetSpec = {
      seed: 1000 + k,
      sizes: pick(SIZES, u[0]),
      weightBits: pick(WEIGHT_BITS, u[1]),
      sparsity: pick(SPARSITIES, u[2]),
      input: pick(INPUTS, u[3]),
      precision: pick(k < 34 ? PRECISIONS : ROUNDING_PRECISIONS, u[4]),
    };
    out.push({ spec, reuse });
  }
  return out;
}
