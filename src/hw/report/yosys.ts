/**
 * Resource report of an export directory: LUT, FF and DSP counts from yosys
 * `synth_xilinx` (7-series cells) of the generated Verilog, and latency and
 * initiation interval from the design's schedule (design.json).
 *
 * @example
 * ```ts
 * const r = yosysReport('out/jet'); // { luts, ffs, dsps, latency_cycles, ii, ... }
 * ```
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiffhepError } from '../../autodiff/index.js';
import { readProject } from '../verilog/project.js';

export interface ResourceReport {
  luts: number;
  ffs: number;
  dsps: number;
  carry4: number;
  latency_cycles: number;
  ii: number;
  /** Cell counts by type as yosys reports them. */
  cells: Record<string, number>;
  source: 'yosys synth_xilinx';
}

/** Parses the cell list of yosys's `stat` output. */
export function parseYosysStat(text: string): Record<string, number> {
  // The last "Number of cells" block is the flattened top module.
  const idx = text.lastIndexOf('Number of cells:');
  if (idx < 0) throw new DiffhepError('yosys output has no cell statistics', 'yosys');
  const cells: Record<string, number> = {};
  for (const line of text.slice(idx).split('\n').slice(1)) {
    const m = /^\s+(\S+)\s+(\d+)\s*$/.exec(line);
    if (m) cells[m[1]] = Number(m[2]);
    else if (line.trim() !== '' && Object.keys(cells).length > 0) break;
  }
  return cells;
}

/** Sums cells into LUT / FF / DSP / CARRY4 counts. */
export function summarizeCells(cells: Record<string, number>): { luts: number; ffs: number; dsps: number; carry4: number } {
  let luts = 0;
  let ffs = 0;
  let dsps = 0;
  let carry4 = 0;
  for (const [c, n] of Object.entries(cells)) {
    if (/^LUT[1-6]$/.test(c)) luts += n;
    else if (/^FD[RSCP]E?$/.test(c) || /^FD/.test(c)) ffs += n;
    else if (/^DSP48/.test(c)) dsps += n;
    else if (/^CARRY/.test(c)) carry4 += n;
  }
  return { luts, ffs, dsps, carry4 };
}

/** Synthesizes `dir/verilog/top.v` with yosys and reports resources; writes dir/report.json. */
export function yosysReport(dir: string, opts: { timeoutMs?: number } = {}): ResourceReport {
  const { meta } = readProject(dir);
  if (meta.target !== 'verilog') throw new DiffhepError(`'${dir}' holds a '${meta.target}' export; the yosys report needs the Verilog target`, 'target');
  try {
    execFileSync('yosys', ['-q', '-p', 'read_verilog verilog/top.v; synth_xilinx -flatten -noiopad -top top; tee -o yosys_stat.txt stat'], {
      cwd: dir,
      maxBuffer: 256 << 20,
      timeout: opts.timeoutMs ?? 3_600_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    const err = e as { code?: string; stderr?: Buffer };
    if (err.code === 'ENOENT') throw new DiffhepError("'yosys' is not installed (needed for the resource report)", 'yosys');
    throw new DiffhepError(`yosys failed: ${(err.stderr ?? '').toString().slice(0, 2000)}`, 'yosys');
  }
  const cells = parseYosysStat(readFileSync(join(dir, 'yosys_stat.txt'), 'utf8'));
  const r: ResourceReport = { ...summarizeCells(cells), latency_cycles: meta.latencyCycles, ii: meta.ii, cells, source: 'yosys synth_xilinx' };
  writeFileSync(join(dir, 'report.json'), JSON.stringify(r, null, 2));
  return r;
}
