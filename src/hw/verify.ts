/**
 * Verification of an export directory: simulates the generated Verilog with
 * Verilator on the stored test
 * vectors and compares the outputs with the emulator's, bit for bit.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DiffhepError } from '../autodiff/index.js';
import { readProject } from './verilog/project.js';

export interface VerifyResult {
  vectors: number;
  mismatches: number;
  simulator: 'verilator';
  /** First mismatching vector index, or -1. */
  firstMismatch: number;
}

function run(cmd: string, args: string[], cwd: string): void {
  try {
    execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as { stderr?: Buffer; stdout?: Buffer; code?: string };
    if (err.code === 'ENOENT') throw new DiffhepError(`'${cmd}' is not installed (needed to verify the export)`, 'simulator');
    throw new DiffhepError(`${cmd} failed in ${cwd}: ${(err.stderr ?? err.stdout ?? '').toString().slice(0, 2000)}`, 'simulator');
  }
}

function compare(dir: string, outFile: string, n: number, simulator: VerifyResult['simulator']): VerifyResult {
  const norm = (s: string) => s.trim().split(/\s+/).filter(Boolean).map((h) => BigInt('0x' + h));
  const exp = norm(readFileSync(join(dir, 'expected.hex'), 'utf8'));
  const got = norm(readFileSync(outFile, 'utf8'));
  let mismatches = 0;
  let first = -1;
  for (let i = 0; i < n; i++) {
    if (got[i] !== exp[i]) {
      mismatches++;
      if (first < 0) first = i;
    }
  }
  return { vectors: n, mismatches, simulator, firstMismatch: first };
}

/** Simulates `dir/verilog` with Verilator and compares with the emulator. */
export function verifyVerilog(dir: string): VerifyResult {
  const { meta } = readProject(dir);
  const vdir = join(dir, 'verilog');
  const obj = join(vdir, 'obj_dir');
  rmSync(obj, { recursive: true, force: true });
  run('verilator', ['--binary', '--timing', '-O1', '-Wno-fatal', '-Wno-WIDTH', '-Wno-UNUSEDSIGNAL', '--top-module', 'tb', '-Mdir', 'obj_dir', '-j', '2', 'tb.v', 'top.v'], vdir);
  run(join(obj, 'Vtb'), [], dir);
  const r = compare(dir, join(dir, 'out.hex'), meta.vectors, 'verilator');
  return r;
}
