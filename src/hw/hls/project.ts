/**
 * An HLS export directory, as the Verilog one (verilog/project.ts): the IR
 * (model.json), metadata (design.json, target 'hls'), the raw test vectors
 * (in.hex) and the emulator's outputs for them (expected.hex), and the
 * project in hls/:
 *
 *   hls/firmware/{myproject.cpp, myproject.h, defines.h, layers.h, weights/wK.h, weights/bK.h}
 *   hls/include/{ap_fixed.h, diffhep_ap_fixed.h}   diffhep's bit-exact header
 *   hls/tb.cpp, hls/Makefile, hls/build_prj.tcl
 *
 * The directory is self-contained: `make -C DIR/hls run` needs only g++.
 *
 * @example
 * ```ts
 * exportHls('out', ir, quantizeInputs(ir, x), { reuse: 2 });
 * verifyHls('out'); // { vectors, mismatches: 0, simulator: 'g++', firstMismatch: -1 }
 * ```
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DiffhepError } from '../../autodiff/index.js';
import { irFromJson, irToJson, type ModelIR } from '../ir.js';
import { writeVectors } from '../verilog/project.js';
import { installApFixedHeader } from './header.js';
import { writeHlsMakefile, writeHlsTcl, writeHlsTestbench } from './testbench.js';
import { type HlsProject, writeHls } from './writer.js';

export interface HlsDesignMeta {
  target: 'hls';
  top: string;
  reuse: number;
  /** Nominal latency of the requested schedule (reuse cycles per dense layer, one per other layer). */
  latencyCycles: number;
  ii: number;
  inWidth: number;
  outWidth: number;
  nIn: number;
  nOut: number;
  vectors: number;
  /** Multipliers allowed per dense layer, ceil(nIn·nOut / reuse), by layer name. */
  multipliers: Record<string, number>;
}

/** Exports `ir` as an HLS C++ project into `dir` with test vectors `xRaw` (raw inputs). */
export function exportHls(dir: string, ir: ModelIR, xRaw: bigint[][], opts: { reuse?: number; top?: string } = {}): HlsProject {
  if (xRaw.length < 1) throw new DiffhepError('at least one test vector is needed', 'vectors');
  const p = writeHls(ir, opts);
  const hdir = join(dir, 'hls');
  for (const [path, text] of Object.entries(p.files)) {
    mkdirSync(dirname(join(hdir, path)), { recursive: true });
    writeFileSync(join(hdir, path), text);
  }
  installApFixedHeader(join(hdir, 'include'));
  writeFileSync(join(hdir, 'tb.cpp'), writeHlsTestbench(p.top, p.inWidth, p.outWidth));
  writeFileSync(join(hdir, 'Makefile'), writeHlsMakefile(p.top));
  writeFileSync(join(hdir, 'build_prj.tcl'), writeHlsTcl(p.top, p.reuse));
  writeVectors(dir, ir, xRaw);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(irToJson(ir)));
  const meta: HlsDesignMeta = {
    target: 'hls',
    top: p.top,
    reuse: p.reuse,
    latencyCycles: p.latencyCycles,
    ii: p.ii,
    inWidth: p.inWidth,
    outWidth: p.outWidth,
    nIn: ir.nIn,
    nOut: p.nOut,
    vectors: xRaw.length,
    multipliers: Object.fromEntries(p.layers.filter((l) => l.multipliers !== undefined).map((l) => [l.name, l.multipliers!])),
  };
  writeFileSync(join(dir, 'design.json'), JSON.stringify(meta, null, 2));
  return p;
}

/** The target an export directory was written for ('verilog' or 'hls'), from its design.json. */
export function exportTarget(dir: string): string {
  let meta: { target?: unknown };
  try {
    meta = JSON.parse(readFileSync(join(dir, 'design.json'), 'utf8')) as { target?: unknown };
  } catch (e) {
    throw new DiffhepError(`'${dir}' is not an export directory (design.json unreadable: ${(e as Error).message})`, 'dir');
  }
  if (typeof meta.target !== 'string') throw new DiffhepError(`'${dir}/design.json' names no target`, 'dir');
  return meta.target;
}

/** Reads an HLS export directory's IR and metadata. */
export function readHlsProject(dir: string): { ir: ModelIR; meta: HlsDesignMeta } {
  const target = exportTarget(dir);
  if (target !== 'hls') throw new DiffhepError(`'${dir}' is a '${target}' export, not an HLS one`, 'dir');
  try {
    return {
      ir: irFromJson(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'))),
      meta: JSON.parse(readFileSync(join(dir, 'design.json'), 'utf8')) as HlsDesignMeta,
    };
  } catch (e) {
    throw new DiffhepError(`'${dir}' is not an export directory (model.json/design.json unreadable: ${(e as Error).message})`, 'dir');
  }
}
