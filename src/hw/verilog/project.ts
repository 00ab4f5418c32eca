/**
 * An export directory: the generated design, the model IR, test vectors and
 * the emulator's expected outputs, so `verify` and `report` can run later
 * from the directory alone.
 *
 * Layout: model.json (IR), design.json (latency, ii, widths), test vectors
 * in.hex and expected.hex (one packed vector per line), and the design in
 * verilog/{top.v, tb.v}.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiffhepError } from '../../autodiff/index.js';
import { emulateRaw } from '../emulate/emulator.js';
import { irFromJson, irToJson, layerWidth, type ModelIR } from '../ir.js';
import { packHex, type VerilogDesign, writeTestbench, writeVerilog } from './writer.js';

export interface DesignMeta {
  target: 'verilog';
  reuse: number;
  /** 'parallel' (clk, x, y) or 'valid' (clk, x_valid, x, y_valid, y); absent in older exports means 'parallel'. */
  ports?: 'parallel' | 'valid';
  latencyCycles: number;
  ii: number;
  inWidth: number;
  outWidth: number;
  nIn: number;
  nOut: number;
  vectors: number;
  csdTerms?: number;
  adderOperands?: number;
}

/** Writes test vectors (raw inputs) and the emulator's outputs for them. */
export function writeVectors(dir: string, ir: ModelIR, xRaw: bigint[][]): void {
  const out = emulateRaw(ir, xRaw);
  const last = ir.layers[ir.layers.length - 1];
  writeFileSync(join(dir, 'in.hex'), xRaw.map((r) => packHex(r, ir.inputType.width)).join('\n') + '\n');
  writeFileSync(join(dir, 'expected.hex'), out.map((r) => packHex(r, last.resultType.width)).join('\n') + '\n');
}

/** Exports `ir` as Verilog into `dir` with test vectors `xRaw`. */
export function exportVerilog(dir: string, ir: ModelIR, xRaw: bigint[][], opts: { reuse?: number } = {}): VerilogDesign {
  if (xRaw.length < 1) throw new DiffhepError('at least one test vector is needed', 'vectors');
  const d = writeVerilog(ir, { reuse: opts.reuse });
  mkdirSync(join(dir, 'verilog'), { recursive: true });
  writeFileSync(join(dir, 'verilog', 'top.v'), d.verilog);
  writeFileSync(join(dir, 'verilog', 'tb.v'), writeTestbench(d, ir.nIn, xRaw.length));
  writeVectors(dir, ir, xRaw);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(irToJson(ir)));
  const meta: DesignMeta = {
    target: 'verilog',
    reuse: d.reuse,
    ports: d.ports,
    latencyCycles: d.latencyCycles,
    ii: d.ii,
    inWidth: d.inWidth,
    outWidth: d.outWidth,
    nIn: ir.nIn,
    nOut: layerWidth(ir.layers[ir.layers.length - 1]),
    vectors: xRaw.length,
    csdTerms: d.csdTerms,
    adderOperands: d.adderOperands,
  };
  writeFileSync(join(dir, 'design.json'), JSON.stringify(meta, null, 2));
  return d;
}

/** Reads an export directory's IR and metadata. */
export function readProject(dir: string): { ir: ModelIR; meta: DesignMeta } {
  try {
    return {
      ir: irFromJson(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'))),
      meta: JSON.parse(readFileSync(join(dir, 'design.json'), 'utf8')) as DesignMeta,
    };
  } catch (e) {
    throw new DiffhepError(`'${dir}' is not an export directory (model.json/design.json unreadable: ${(e as Error).message})`, 'dir');
  }
}
