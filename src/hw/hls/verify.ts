/**
 * Verification of an HLS export: compiles the generated C++ and its
 * testbench with g++ (against diffhep's header in hls/include, or against
 * Xilinx's ap_fixed.h when `apInclude` or the XILINX_AP_INCLUDE environment
 * variable names its directory), runs it on the stored test vectors and
 * compares the raw outputs with the emulator's, bit for bit.
 *
 * @example
 * ```ts
 * verifyHls('out');                                            // diffhep's header
 * verifyHls('out', { apInclude: '/tools/Xilinx/Vitis_HLS/2023.2/include' }); // Xilinx's
 * ```
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DiffhepError, DomainError } from '../../autodiff/index.js';
import { readHlsProject } from './project.js';

export interface HlsVerifyResult {
  vectors: number;
  mismatches: number;
  simulator: 'g++' | 'g++ (Xilinx ap_fixed.h)';
  /** First mismatching vector index, or -1. */
  firstMismatch: number;
  /** Compile and run wall time, seconds. */
  seconds: number;
}

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, encoding: 'utf8' });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; code?: string };
    if (err.code === 'ENOENT') throw new DiffhepError(`'${cmd}' is not installed (needed to verify the HLS export)`, 'compiler');
    throw new DiffhepError(`${cmd} failed in ${cwd}: ${(err.stderr || err.stdout || '').toString().slice(0, 2000)}`, 'compiler');
  }
}

/** Compiles and runs `dir/hls` with g++ and compares with the emulator's outputs. */
export function verifyHls(dir: string, opts: { apInclude?: string } = {}): HlsVerifyResult {
  const { meta } = readHlsProject(dir);
  const apInclude = opts.apInclude ?? process.env.XILINX_AP_INCLUDE;
  const hdir = resolve(dir, 'hls');
  let inc = join(hdir, 'include');
  if (apInclude !== undefined && apInclude !== '') {
    inc = resolve(apInclude);
    if (!existsSync(join(inc, 'ap_fixed.h'))) throw new DomainError('apInclude', apInclude, 'a directory holding ap_fixed.h (e.g. Vitis_HLS/<version>/include)');
  }
  const exe = join(hdir, 'tb');
  const out = resolve(dir, 'out.hex');
  rmSync(exe, { force: true });
  rmSync(out, { force: true });
  const t0 = Date.now();
  run('g++', ['-O1', '-std=c++17', `-I${inc}`, `-I${join(hdir, 'firmware')}`, '-o', exe, join(hdir, 'tb.cpp'), join(hdir, 'firmware', `${meta.top}.cpp`)], hdir);
  run(exe, [resolve(dir, 'in.hex'), out], hdir);
  const seconds = (Date.now() - t0) / 1000;
  const norm = (s: string) => s.trim().split(/\s+/).filter(Boolean).map((h) => BigInt('0x' + h));
  const exp = norm(readFileSync(join(dir, 'expected.hex'), 'utf8'));
  const got = norm(readFileSync(out, 'utf8'));
  let mismatches = 0;
  let first = -1;
  for (let i = 0; i < meta.vectors; i++) {
    if (got[i] !== exp[i]) {
      mismatches++;
      if (first < 0) first = i;
    }
  }
  const simulator = inc === join(hdir, 'include') ? 'g++' : 'g++ (Xilinx ap_fixed.h)';
  return { vectors: meta.vectors, mismatches, simulator, firstMismatch: first, seconds };
}
