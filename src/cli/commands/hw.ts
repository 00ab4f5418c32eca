/**
 * `diffhep hw export|verify|report`: FPGA export of a model (our model JSON or
 * a Keras .h5 with its architecture .json) as Verilog or as HLS C++ for Vitis
 * HLS, bit-exact verification of the export (Verilator, or g++ for HLS C++),
 * and the resource report.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';

function print(obj: unknown, json: boolean | undefined): void {
  if (json) process.stdout.write(JSON.stringify(obj) + '\n');
  else for (const [k, v] of Object.entries(obj as Record<string, unknown>)) if (typeof v !== 'object') process.stdout.write(`${k}: ${String(v)}\n`);
}

/** The architecture JSON beside a Keras weights file: `X_weights.h5` -> `X.json`, else `X.json`. */
function archBeside(h5: string): string {
  const cands = [h5.replace(/_weights\.h5$/, '.json'), h5.replace(/\.h5$/, '.json')];
  const found = cands.find((c) => c !== h5 && existsSync(c));
  if (!found) throw new Error(`no architecture JSON found beside '${h5}' (tried ${cands.join(', ')}); pass --arch`);
  return found;
}

export function registerHw(program: Command): void {
  const hw = program.command('hw').description('FPGA export: Verilog or HLS C++ generation, bit-exact verification, resource reports');
  hw.command('export <model>')
    .description('export MODEL (model JSON, or Keras .h5 with its architecture .json beside it) to DIR')
    .option('--precision <type>', "default fixed-point type, e.g. 'ap_fixed<16,6>'", 'ap_fixed<16,6>')
    .option('--reuse <n>', 'reuse factor', '1')
    .option('--target <t>', "'verilog' or 'hls' (HLS C++ for Vitis HLS)", 'verilog')
    .option('--arch <json>', 'Keras architecture JSON (default: beside the .h5)')
    .option('--vectors <n>', 'number of random test vectors (standard normal inputs)', '256')
    .option('--seed <n>', 'seed of the test vectors', '1')
    .requiredOption('--out <dir>', 'output directory')
    .action(async (model: string, o: { precision: string; reuse: string; target: string; arch?: string; vectors: string; seed: string; out: string }) => {
      const { DomainError, prngKey } = await import('../../autodiff/index.js');
      const { quantizeModel, irFromJson } = await import('../../hw/ir.js');
      const { readKeras } = await import('../../hw/import/keras.js');
      const { quantizeInputs } = await import('../../hw/emulate/emulator.js');
      const { exportVerilog } = await import('../../hw/verilog/project.js');
      const { exportHls } = await import('../../hw/hls/project.js');
      if (o.target !== 'verilog' && o.target !== 'hls') throw new DomainError('--target', o.target, "supported targets: 'verilog', 'hls'");
      let ir;
      if (model.endsWith('.h5')) ir = quantizeModel(await readKeras(o.arch ?? archBeside(model), model), { precision: o.precision });
      else {
        const j = JSON.parse(readFileSync(model, 'utf8')) as { layers?: { kind?: string; weights?: unknown[][] }[] };
        // An IR JSON holds quantized (string) weights and types; a float model JSON holds numbers.
        const isIr = Array.isArray(j.layers) && j.layers.some((l) => l.kind === 'dense' && typeof l.weights?.[0]?.[0] === 'string');
        ir = isIr ? irFromJson(j) : quantizeModel(j as never, { precision: o.precision });
      }
      const n = Number(o.vectors);
      if (!Number.isInteger(n) || n < 1) throw new DomainError('--vectors', o.vectors, 'a positive integer');
      const z = prngKey(Number(o.seed)).normals(n * ir.nIn);
      const x = Array.from({ length: n }, (_, e) => Array.from(z.subarray(e * ir.nIn, (e + 1) * ir.nIn)));
      const xRaw = quantizeInputs(ir, x);
      const d = o.target === 'hls' ? exportHls(o.out, ir, xRaw, { reuse: Number(o.reuse) }) : exportVerilog(o.out, ir, xRaw, { reuse: Number(o.reuse) });
      process.stdout.write(`wrote ${o.out}: ${ir.layers.length} layers, latency ${d.latencyCycles} cycles, II ${d.ii}, ${n} test vectors\n`);
    });
  hw.command('verify <dir>')
    .description('run the export on its test vectors (Verilator for Verilog, g++ for HLS C++) and compare with the bit-exact emulator')
    .option('--ap-include <dir>', "HLS target: compile against Xilinx's ap_fixed.h in DIR (default: $XILINX_AP_INCLUDE, else the export's own header)")
    .option('--json', 'print JSON')
    .action(async (dir: string, o: { json?: boolean; apInclude?: string }) => {
      const { exportTarget } = await import('../../hw/hls/project.js');
      const { verifyHls } = await import('../../hw/hls/verify.js');
      const { verifyVerilog } = await import('../../hw/verify.js');
      const r = exportTarget(dir) === 'hls' ? verifyHls(dir, { apInclude: o.apInclude }) : verifyVerilog(dir);
      print({ vectors: r.vectors, mismatches: r.mismatches, simulator: r.simulator }, o.json);
      if (r.mismatches > 0) process.exitCode = 1;
    });
  hw.command('report <dir>')
    .description('LUT/FF/DSP counts from yosys synth_xilinx, latency and II from the schedule')
    .option('--json', 'print JSON')
    .action(async (dir: string, o: { json?: boolean }) => {
      const { synthReport } = await import('../../hw/report.js');
      const { readProject } = await import('../../hw/verilog/project.js');
      const { exportTarget, readHlsProject } = await import('../../hw/hls/project.js');
      if (exportTarget(dir) === 'hls') {
        // No synthesis of C++ here: latency and II of the requested schedule, resources from the
        // analytic estimator (calibrated on the equivalent Verilog design, not a Vitis report).
        const { estimateResources } = await import('../../hw/estimate/index.js');
        const { ir, meta: hm } = readHlsProject(dir);
        const e = estimateResources(ir, { reuse: hm.reuse });
        const out = { luts: e.luts, ffs: e.ffs, dsps: e.dsps, latency_cycles: hm.latencyCycles, ii: hm.ii };
        writeFileSync(
          join(dir, 'report.json'),
          JSON.stringify({ ...out, resources: 'analytic estimate of the equivalent Verilog design (run Vitis HLS for its own report)', latency: 'nominal schedule of the HLS pragmas', multipliers: hm.multipliers }, null, 2),
        );
        print(out, o.json);
        return;
      }
      const { meta } = readProject(dir);
      const r = synthReport(readFileSync(join(dir, 'verilog', 'top.v'), 'utf8'), 'top');
      const out = { luts: r.luts, ffs: r.ffs, dsps: r.dsps, latency_cycles: meta.latencyCycles, ii: meta.ii };
      writeFileSync(join(dir, 'report.json'), JSON.stringify({ ...out, carry4: r.carry4, cells: r.cells, synth_seconds: r.seconds }, null, 2));
      print(out, o.json);
    });
}
