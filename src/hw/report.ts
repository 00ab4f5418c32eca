/**
 * Resource report of a generated design: yosys `synth_xilinx` (a generic
 * Xilinx 7-series mapping, no vendor tools) and its cell statistics, summed
 * into LUTs, flip-flops, DSP slices and carry chains. A pre-placement
 * estimate, useful to compare designs with each other, not a Vivado report.
 *
 * @example
 * ```ts
 * const r = synthReport(readFileSync('out/verilog/top.v', 'utf8'));
 * console.log(r.luts, r.ffs, r.dsps);
 * ```
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiffhepError } from '../autodiff/index.js';

export interface SynthReport {
  /** LUT1..LUT6 cells. */
  luts: number;
  /** Flip-flops (FDRE, FDSE, FDCE, FDPE). */
  ffs: number;
  /** DSP48E1 slices. */
  dsps: number;
  /** CARRY4 carry-chain cells. */
  carry4: number;
  /** Every cell type and its count, as yosys prints them. */
  cells: Record<string, number>;
  /** Synthesis wall time. */
  seconds: number;
}

/** Parses the cell table of yosys `stat` output. */
export function parseYosysStat(text: string): Record<string, number> {
  const cells: Record<string, number> = {};
  for (const m of text.matchAll(/^\s+([A-Z][A-Z0-9_]*)\s+(\d+)\s*$/gm)) cells[m[1]] = (cells[m[1]] ?? 0) + Number(m[2]);
  return cells;
}

/** Synthesizes Verilog source `verilog` (top module `top`) with yosys synth_xilinx and counts its resources. */
export function synthReport(verilog: string, top = 'top'): SynthReport {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(top)) throw new DiffhepError(`top module name '${top}' is not a Verilog identifier`, 'top');
  const dir = mkdtempSync(join(tmpdir(), 'diffhep-synth-'));
  try {
    writeFileSync(join(dir, 'design.v'), verilog);
    const t0 = Date.now();
    try {
      execFileSync('yosys', ['-q', '-p', `read_verilog design.v; synth_xilinx -top ${top}; tee -q -o stat.txt stat`], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
    } catch (e) {
      const err = e as { code?: string; stderr?: Buffer; stdout?: Buffer };
      if (err.code === 'ENOENT') throw new DiffhepError("'yosys' is not installed (needed for the resource report)", 'synthesizer');
      throw new DiffhepError(`yosys failed: ${(err.stderr ?? err.stdout ?? '').toString().slice(0, 2000)}`, 'synthesizer');
    }
    const seconds = (Date.now() - t0) / 1000;
    const cells = parseYosysStat(readFileSync(join(dir, 'stat.txt'), 'utf8'));
    const sum = (re: RegExp) => Object.entries(cells).reduce((s, [k, v]) => (re.test(k) ? s + v : s), 0);
    return { luts: sum(/^LUT[1-6]$/), ffs: sum(/^FD[RSCP]E$/), dsps: sum(/^DSP48/), carry4: sum(/^CARRY4$/), cells, seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
