/**
 * Analytic FPGA resource estimator, calibrated against yosys synth_xilinx,
 * for designs too large to synthesize routinely. It generates the design's
 * structure with the Verilog writer (which counts, while writing, the
 * CSD shift-add terms, adder operands, casts, multiplexers, weight ROMs and
 * register widths: `DesignStats`) and maps those counts to resources:
 *
 * - LUTs: a non-negative linear model Σ_k a_k · feature_k, the coefficients
 *   fitted by least squares on relative error (`fitCalibration`) to the
 *   stored yosys runs of calibration.json;
 * - FFs: b · (register bits of the writer), b fitted likewise (synthesis
 *   removes registers whose bits are constant);
 * - DSPs: exact from the multipliers' operand widths as yosys maps them to
 *   DSP48E1 (25 × 18 signed; a multiplier is mapped when both operands have
 *   ≥ 2 bits and the product ≥ 9 bits, and split into tiles above 25 × 18);
 *   0 at reuse 1, where every constant product is a shift-add tree;
 * - latency and II from the writer's schedule.
 *
 * @example
 * ```ts
 * const est = estimateResources(ir, { reuse: 4 }); // { luts, ffs, dsps, latency_cycles: …, ii: 4, method: 'analytic' }
 * ```
 */
import { DiffhepError } from '../../autodiff/index.js';
import type { ModelIR } from '../ir.js';
import { type DesignStats, writeVerilog } from '../verilog/writer.js';
import { randomDenseNet } from './random-net.js';
import type { CalibrationSample, CalibrationTable, Coefficients } from './calibrate.js';
import calibration from './calibration.json' with { type: 'json' };

/** LUT features (names of `DesignStats` fields, plus LUT-mapped multiplier bits). */
export const LUT_FEATURES = ['csdBits', 'termAccBits', 'sumBits', 'accBits', 'muxBits', 'romBits', 'gateBits', 'castBits', 'actBits', 'lutMulBits'] as const;
export type LutFeature = (typeof LUT_FEATURES)[number];

/** DSP48E1 slices yosys uses for one signed wx × ww multiplier (0: mapped to LUTs). */
export function dspsPerMultiplier(wx: number, ww: number): number {
  const [a, b] = wx >= ww ? [wx, ww] : [ww, wx];
  if (b < 2 || a + b < 9) return 0;
  // Signed tiles: 25 × 18 for the top tile, 24 × 17 unsigned slices below it.
  return Math.max(1, Math.ceil((a - 1) / 24)) * Math.max(1, Math.ceil((b - 1) / 17));
}

/** The estimator's features of a design. */
export function designFeatures(stats: DesignStats): Record<LutFeature | 'registerBits' | 'dsps', number> {
  let lutMulBits = 0;
  let dsps = 0;
  for (const [wx, ww] of stats.multipliers) {
    const d = dspsPerMultiplier(wx, ww);
    dsps += d;
    if (d === 0) lutMulBits += wx * ww;
  }
  return {
    csdBits: stats.csdBits,
    termAccBits: stats.termAccBits,
    sumBits: stats.sumBits,
    accBits: stats.accBits,
    muxBits: stats.muxBits,
    romBits: stats.romBits,
    gateBits: stats.gateBits,
    castBits: stats.castBits,
    actBits: stats.actBits,
    lutMulBits,
    registerBits: stats.registerBits,
    dsps,
  };
}

/**
 * Non-negative least squares, min Σ_s ((Σ_k a_k X_sk − y_s) / y_s)² with
 * a ≥ 0 (errors relative to the target, so small and large designs weigh
 * alike), by projected coordinate descent on the normal equations.
 */
export function nnlsRelative(X: number[][], y: number[], iters = 20000): number[] {
  const k = X[0]?.length ?? 0;
  const G = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const h = new Array<number>(k).fill(0);
  X.forEach((row, s) => {
    const w = 1 / (y[s] * y[s]);
    for (let a = 0; a < k; a++) {
      h[a] += w * row[a] * y[s];
      for (let b = 0; b < k; b++) G[a][b] += w * row[a] * row[b];
    }
  });
  const x = new Array<number>(k).fill(0);
  for (let it = 0; it < iters; it++) {
    let change = 0;
    for (let a = 0; a < k; a++) {
      if (G[a][a] === 0) continue;
      let r = h[a];
      for (let b = 0; b < k; b++) if (b !== a) r -= G[a][b] * x[b];
      const v = Math.max(0, r / G[a][a]);
      change = Math.max(change, Math.abs(v - x[a]) / (Math.abs(v) + 1e-12));
      x[a] = v;
    }
    if (change < 1e-12) break;
  }
  return x;
}

/** Fits the LUT and FF coefficients to synthesized samples (features recomputed from each sample's spec). */
export function fitCalibration(samples: CalibrationSample[]): Coefficients {
  if (samples.length < LUT_FEATURES.length) throw new DiffhepError(`${samples.length} calibration samples are too few to fit ${LUT_FEATURES.length} coefficients`, 'samples');
  const feats = samples.map((s) => designFeatures(writeVerilog(randomDenseNet(s.spec), { reuse: s.reuse }).stats));
  const a = nnlsRelative(feats.map((f) => LUT_FEATURES.map((k) => f[k])), samples.map((s) => s.luts));
  const b = nnlsRelative(feats.map((f) => [f.registerBits]), samples.map((s) => s.ffs));
  return { luts: Object.fromEntries(LUT_FEATURES.map((k, i) => [k, a[i]])), ffs: { registerBits: b[0] } };
}

/** The analytic estimate of a design. */
export interface ResourceEstimate {
  luts: number;
  ffs: number;
  dsps: number;
  latency_cycles: number;
  ii: number;
  method: 'analytic';
}

/** Estimates from precomputed features with the given coefficients. */
export function estimateFromFeatures(f: ReturnType<typeof designFeatures>, c: Coefficients): { luts: number; ffs: number; dsps: number } {
  const luts = LUT_FEATURES.reduce((s, k) => s + (c.luts[k] ?? 0) * f[k], 0);
  return { luts: Math.round(luts), ffs: Math.round((c.ffs.registerBits ?? 1) * f.registerBits), dsps: f.dsps };
}

/** The stored calibration table (src/hw/estimate/calibration.json). */
export function calibrationTable(): CalibrationTable {
  return calibration as unknown as CalibrationTable;
}

/**
 * LUT, FF and DSP counts, latency and II of `ir` exported at reuse factor
 * `reuse`, from the calibrated analytic model (no synthesis).
 */
export function estimateResources(ir: ModelIR, opts: { reuse?: number; coefficients?: Coefficients } = {}): ResourceEstimate {
  const d = writeVerilog(ir, { reuse: opts.reuse ?? 1 });
  const e = estimateFromFeatures(designFeatures(d.stats), opts.coefficients ?? calibrationTable().coefficients);
  return { ...e, latency_cycles: d.latencyCycles, ii: d.ii, method: 'analytic' };
}
