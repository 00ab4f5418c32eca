/**
 * yosys synth_xilinx resource report of generated designs: a CSD design maps
 * to LUTs and carry chains without DSP slices, registers one flip-flop per
 * kept output bit, and zero weights cost no logic.
 */
import assert from 'node:assert/strict';
import { irFromMlp } from '../../src/hw/ir.js';
import { writeVerilog } from '../../src/hw/verilog/writer.js';
import { parseYosysStat, synthReport } from '../../src/hw/report.js';

const spec = {
  input: 'ap_fixed<8,3>',
  layers: [
    { weight: 'ap_fixed<6,2>', result: 'ap_fixed<8,3,AP_RND_CONV,AP_SAT_SYM>', relu: 'ap_ufixed<6,2,AP_RND,AP_SAT>' },
    { weight: 'ap_fixed<6,2>', result: 'ap_fixed<7,3,AP_RND_ZERO,AP_SAT>' },
  ],
};
const w0 = [[0.75, -1.25, 0.1], [0.5, 0.3, 0], [1, 0.2, -0.4], [0.1, 0.6, 0.9]];
const net = (w: number[][]) => irFromMlp({ layers: [{ w, b: [0.1, -0.2, 0.3] }, { w: [[1.5], [-0.7], [0.2]], b: [0.05] }] }, spec);

describe('hw resource report (yosys)', function () {
  this.timeout(120_000);

  it('parses the cell table of yosys stat', () => {
    const t = '   Number of cells:   12\n     CARRY4     3\n     LUT2      5\n     LUT6  4\n     FDRE   1\n';
    assert.deepEqual(parseYosysStat(t), { CARRY4: 3, LUT2: 5, LUT6: 4, FDRE: 1 });
  });

  it('a 4->3->1 CSD design uses LUTs and no DSPs; zeroing the weights of two inputs removes logic', () => {
    const full = synthReport(writeVerilog(net(w0)).verilog);
    const sparse = synthReport(writeVerilog(net(w0.map((r, i) => (i < 2 ? r.map(() => 0) : r)))).verilog);
    console.log(`      4->3->1: ${full.luts} LUT, ${full.ffs} FF, ${full.dsps} DSP, ${full.carry4} CARRY4 (${full.seconds.toFixed(1)} s); inputs 0-1 zeroed: ${sparse.luts} LUT, ${sparse.ffs} FF`);
    assert.equal(full.dsps, 0);
    assert.ok(full.luts > 50, `${full.luts} LUTs`);
    // Registered bits: 3 x 8 (dense) + 3 x 6 (ReLU) + 7 (output) = 49 at most (constant bits are pruned).
    assert.ok(full.ffs > 0 && full.ffs <= 3 * 8 + 3 * 7 + 7, `${full.ffs} FFs`);
    assert.ok(sparse.luts > 0 && sparse.luts < full.luts, `${sparse.luts} vs ${full.luts} LUTs`);
  });
});
