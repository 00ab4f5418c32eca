/**
 * Quantization and FPGA export: exact ap_fixed arithmetic, the hardware model
 * IR, the bit-exact emulator, the Verilog writer, Verilator verification and
 * the yosys resource report. See docs/hw.md.
 *
 * @example
 * ```ts
 * import { irFromMlp, exportVerilog, verifyVerilog } from 'diffhep/hw';
 * const ir = irFromMlp(paramSet.values(), { default: 'ap_fixed<16,6>' });
 * exportVerilog('out', ir, vectors);
 * verifyVerilog('out'); // { vectors, mismatches: 0, simulator: 'verilator', firstMismatch: -1 }
 * ```
 */
export * from './fixed/ap-fixed.js';
export * from './ir.js';
export * from './emulate/emulator.js';
export * from './verilog/csd.js';
export * from './verilog/writer.js';
export * from './verilog/project.js';
export * from './verify.js';
export * from './report.js';
export * from './hls/writer.js';
export * from './hls/testbench.js';
export * from './hls/header.js';
export * from './hls/project.js';
export * from './hls/verify.js';
export * from './estimate/index.js';
export * from './qat/index.js';
