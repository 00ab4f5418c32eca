/**
 * The analytic resource estimator: its time on the reference network
 * (dense 16-64-32-32-5, random 6-bit weights) against Verilog generation of
 * the same design (reference measured in the same run; the estimator walks
 * the generated structure), its figures for the dense and 75 % sparse
 * networks at reuse 1 and the dense one at reuse 4, and the agreement of the
 * stored fit with its yosys calibration samples (median and largest relative
 * LUT and FF error). Regenerate the calibration with
 * `npx tsx bench/hw-estimate-calibrate.ts`.
 */
import { calibrationTable, designFeatures, estimateFromFeatures, estimateResources } from '../src/hw/estimate/estimate.js';
import { randomDenseNet } from '../src/hw/estimate/random-net.js';
import { writeVerilog } from '../src/hw/verilog/writer.js';
import { timeMs, type BenchRow } from './types.js';

export const title = 'hw resource estimator (analytic, calibrated against yosys synth_xilinx)';

export async function run(): Promise<BenchRow[]> {
  const sizes = [16, 64, 32, 32, 5];
  const dense = randomDenseNet({ seed: 7, sizes, weightBits: 6 });
  const sparse = randomDenseNet({ seed: 7, sizes, weightBits: 6, sparsity: 0.75 });
  const tEst = timeMs(() => estimateResources(dense), 11, 2);
  const tGen = timeMs(() => writeVerilog(dense), 11, 2);
  const d = estimateResources(dense);
  const s = estimateResources(sparse);
  const d4 = estimateResources(dense, { reuse: 4 });
  const t = calibrationTable();
  const errs = t.samples.map((x) => {
    const e = estimateFromFeatures(designFeatures(writeVerilog(randomDenseNet(x.spec), { reuse: x.reuse }).stats), t.coefficients);
    return { luts: Math.abs(e.luts / x.luts - 1), ffs: Math.abs(e.ffs / x.ffs - 1) };
  });
  const med = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
  const pct = (v: number) => +(100 * v).toFixed(1);
  return [
    { name: 'estimate, dense 16-64-32-32-5', value: +tEst.toFixed(0), unit: 'ms' },
    { name: 'Verilog generation, same design (reference)', value: +tGen.toFixed(0), unit: 'ms', note: `estimate/generation ${(tEst / tGen).toFixed(2)}x` },
    { name: 'dense, reuse 1: LUT', value: d.luts, unit: 'LUT', note: `${d.ffs} FF, ${d.dsps} DSP, latency ${d.latency_cycles}, II ${d.ii}` },
    { name: '75 % sparse, reuse 1: LUT', value: s.luts, unit: 'LUT', note: `${s.ffs} FF, ${s.dsps} DSP; dense/sparse ${(d.luts / s.luts).toFixed(2)}x` },
    { name: 'dense, reuse 4: LUT', value: d4.luts, unit: 'LUT', note: `${d4.ffs} FF, ${d4.dsps} DSP, latency ${d4.latency_cycles}, II ${d4.ii}` },
    { name: `fit vs yosys, ${errs.length} samples: LUT error median`, value: pct(med(errs.map((e) => e.luts))), unit: '%', note: `max ${pct(Math.max(...errs.map((e) => e.luts)))} %` },
    { name: `fit vs yosys, ${errs.length} samples: FF error median`, value: pct(med(errs.map((e) => e.ffs))), unit: '%', note: `max ${pct(Math.max(...errs.map((e) => e.ffs)))} %` },
  ];
}
