/**
 * Regenerates the resource estimator's calibration table
 * (src/hw/estimate/calibration.json): synthesizes a fixed list of random
 * dense networks (`calibrationSpecs`) with yosys synth_xilinx, stores each
 * net's spec and its LUT/FF/DSP/CARRY4 counts, and refits the estimator's
 * coefficients by non-negative least squares on the stored samples.
 *
 *   npx tsx bench/hw-estimate-calibrate.ts            # synthesize missing samples, then fit
 *   npx tsx bench/hw-estimate-calibrate.ts --reuse 1  # only samples at reuse 1
 *   npx tsx bench/hw-estimate-calibrate.ts --fit-only # refit the stored samples
 *
 * Samples already in the table are kept (the run resumes); the table is
 * rewritten atomically after every synthesis.
 */
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { writeJsonAtomic } from '../src/autodiff/index.js';
import { calibrationSpecs, type CalibrationSample, type CalibrationTable, sampleId } from '../src/hw/estimate/calibrate.js';
import { randomDenseNet } from '../src/hw/estimate/random-net.js';
import { synthReport } from '../src/hw/report.js';
import { writeVerilog } from '../src/hw/verilog/writer.js';

const file = join(process.cwd(), 'src', 'hw', 'estimate', 'calibration.json');
const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const reuseOnly = arg('--reuse')?.split(',').map(Number);
const fitOnly = process.argv.includes('--fit-only');

const table: CalibrationTable = existsSync(file)
  ? (JSON.parse(readFileSync(file, 'utf8')) as CalibrationTable)
  : { producedBy: '', synthesizer: '', samples: [], coefficients: { luts: {}, ffs: {} } };
table.producedBy = 'npx tsx bench/hw-estimate-calibrate.ts (yosys synth_xilinx of the random nets of calibrationSpecs in src/hw/estimate/calibrate.ts)';
table.synthesizer = execFileSync('yosys', ['-V']).toString().trim();

if (!fitOnly) {
  const have = new Set(table.samples.map((s) => sampleId(s.spec, s.reuse)));
  for (const { spec, reuse } of calibrationSpecs()) {
    if (reuseOnly && !reuseOnly.includes(reuse)) continue;
    const id = sampleId(spec, reuse);
    if (have.has(id)) continue;
    const r = synthReport(writeVerilog(randomDenseNet(spec), { reuse }).verilog);
    const s: CalibrationSample = { spec, reuse, luts: r.luts, ffs: r.ffs, dsps: r.dsps, carry4: r.carry4, seconds: r.seconds };
    table.samples.push(s);
    have.add(id);
    writeJsonAtomic(file, table);
    process.stdout.write(`${id}: ${r.luts} LUT, ${r.ffs} FF, ${r.dsps} DSP (${r.seconds.toFixed(1)} s)\n`);
  }
}
// Loaded after the synthesis loop, so a long run picks up the current feature definitions.
const { designFeatures, estimateFromFeatures, fitCalibration } = await import('../src/hw/estimate/estimate.js');
table.coefficients = fitCalibration(table.samples);
const errs = table.samples.map((s) => {
  const e = estimateFromFeatures(designFeatures(writeVerilog(randomDenseNet(s.spec), { reuse: s.reuse }).stats), table.coefficients);
  return [Math.abs(e.luts / s.luts - 1), Math.abs(e.ffs / s.ffs - 1)];
});
const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
const r3 = (v: number) => +v.toFixed(3);
table.fitError = {
  lutsMedian: r3(median(errs.map((e) => e[0]))),
  lutsMax: r3(Math.max(...errs.map((e) => e[0]))),
  ffsMedian: r3(median(errs.map((e) => e[1]))),
  ffsMax: r3(Math.max(...errs.map((e) => e[1]))),
};
writeJsonAtomic(file, table);
process.stdout.write(`fit: ${JSON.stringify(table.coefficients)}\nrelative error on the samples: ${JSON.stringify(table.fitError)}\n`);
