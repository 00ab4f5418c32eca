/**
 * hw export on hls4ml's QKeras jet tagger (16 → 64 → 32 → 32 → 5, 6-bit
 * weights, read from ../shared/models): bit-exact emulator throughput against
 * the float forward pass on the same quantized weights (reference in the same
 * run), Verilog generation time, and export + Verilator verification wall
 * time with its mismatch count.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prngKey } from '../src/autodiff/index.js';
import { emulate, floatForward, quantizeInputs } from '../src/hw/emulate/emulator.js';
import { readKeras } from '../src/hw/import/keras.js';
import { quantizeModel } from '../src/hw/ir.js';
import { exportVerilog } from '../src/hw/verilog/project.js';
import { writeVerilog } from '../src/hw/verilog/writer.js';
import { verifyVerilog } from '../src/hw/verify.js';
import { timeMs, type BenchRow } from './types.js';

export const title = 'hw export (hls4ml QKeras jet tagger 16-64-32-32-5)';

export async function run(): Promise<BenchRow[]> {
  const D = join(process.cwd(), '..', 'shared', 'models', 'hls4ml-jet-tagger');
  const ir = quantizeModel(await readKeras(join(D, 'qkeras_3layer.json'), join(D, 'qkeras_3layer_weights.h5')), { precision: 'ap_fixed<16,6>' });
  const n = 200;
  const z = prngKey(5).normals(n * 16);
  const x = Array.from({ length: n }, (_, e) => Array.from(z.subarray(e * 16, e * 16 + 16)));
  const tEmu = timeMs(() => emulate(ir, x), 3, 1);
  const tFloat = timeMs(() => floatForward(ir, x), 3, 1);
  const tGen = timeMs(() => writeVerilog(ir), 3, 1);
  const dir = mkdtempSync(join(tmpdir(), 'diffhep-hwbench-'));
  try {
    const t0 = performance.now();
    exportVerilog(dir, ir, quantizeInputs(ir, x));
    const r = verifyVerilog(dir);
    const tVer = (performance.now() - t0) / 1000;
    return [
      { name: 'emulator (BigInt, bit-exact)', value: +(n / (tEmu / 1000)).toFixed(0), unit: 'events/s' },
      { name: 'float forward, same weights (reference)', value: +(n / (tFloat / 1000)).toFixed(0), unit: 'events/s' },
      { name: 'emulator / float time ratio', value: +(tEmu / tFloat).toFixed(1), unit: 'x' },
      { name: 'Verilog generation', value: +tGen.toFixed(0), unit: 'ms' },
      { name: `export + Verilator build + run (${n} vectors)`, value: +tVer.toFixed(1), unit: 's', note: `${r.mismatches} mismatches of ${r.vectors}` },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
