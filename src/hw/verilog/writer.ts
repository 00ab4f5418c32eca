/**
 * Synthesizable Verilog writer. At reuse factor 1 every layer is fully
 * parallel: each constant-weight product is a canonical-signed-digit
 * shift-add tree (zero weights emit nothing), each neuron's sum a plain adder
 * expression in the accumulator width, and every layer's outputs are
 * registered, so the latency is one clock per layer and the initiation
 * interval 1. Casts are generated from the exact ap_fixed rules (fixed.ts).
 *
 * Ports: `x` is the inputs' raw values concatenated (input 0 in the low
 * bits), `W_in` bits each; `y` likewise for the outputs.
 *
 * @example
 * ```ts
 * writeFileSync('model.v', writeVerilog(ir).verilog);
 * ```
 */
import { DomainError } from '../../autodiff/index.js';
import { csdTerms } from './csd.js';
import { castRaw, type FixedType, fracBits, rawRange } from '../fixed/ap-fixed.js';
import { layerWidth, type ModelIR } from '../ir.js';

/** Width of the signed internal wire that holds a type (one extra bit for unsigned types). */
export function wireWidth(t: FixedType): number {
  return t.width + (t.signed ? 0 : 1);
}

function hex(v: bigint, w: number): string {
  return `${w}'h${BigInt.asUintN(w, v).toString(16)}`;
}
function shex(v: bigint, w: number): string {
  return `$signed(${hex(v, w)})`;
}

/** Emits the cast of signed wire `src` (width wi, fi fractional bits) to `t`; returns the output wire (width wireWidth(t)). */
export function emitCast(lines: string[], n: string, src: string, wi: number, fi: number, t: FixedType): string {
  const f = fracBits(t);
  const shift = fi - f;
  let q: string;
  let wq: number;
  if (shift > 0) {
    const wx = Math.max(wi, shift + 2);
    lines.push(`  wire signed [${wx - 1}:0] ${n}_x = ${src};`);
    lines.push(`  wire signed [${wx - shift - 1}:0] ${n}_f = ${n}_x[${wx - 1}:${shift}];`);
    lines.push(`  wire [${shift - 1}:0] ${n}_r = ${n}_x[${shift - 1}:0];`);
    const half = hex(1n << BigInt(shift - 1), shift);
    const s = `${n}_x[${wx - 1}]`;
    const gt = `(${n}_r > ${half})`;
    const eq = `(${n}_r == ${half})`;
    const nz = `(${n}_r != ${hex(0n, shift)})`;
    const inc: Record<string, string> = {
      TRN: '',
      TRN_ZERO: `${s} & ${nz}`,
      RND: `${n}_r[${shift - 1}]`,
      RND_ZERO: `${gt} | (${eq} & ${s})`,
      RND_MIN_INF: gt,
      RND_INF: `${gt} | (${eq} & ~${s})`,
      RND_CONV: `${gt} | (${eq} & ${n}_f[0])`,
    };
    wq = wx - shift + 1;
    q = `${n}_q`;
    const incExpr = inc[t.quant];
    if (incExpr) {
      // The rounding increment as a full-width non-negative wire (a 2-bit $signed({1'b0, b}) is mis-evaluated by Verilator 5.006).
      lines.push(`  wire ${n}_b = ${incExpr};`);
      lines.push(`  wire [${wq - 1}:0] ${n}_i = {${'{'}${wq - 1}{1'b0}}, ${n}_b};`);
      lines.push(`  wire signed [${wq - 1}:0] ${q} = ${n}_f + $signed(${n}_i);`);
    } else lines.push(`  wire signed [${wq - 1}:0] ${q} = ${n}_f;`);
  } else {
    wq = wi - shift;
    q = `${n}_q`;
    lines.push(`  wire signed [${wq - 1}:0] ${q} = ${src};`);
    if (shift < 0) lines[lines.length - 1] = `  wire signed [${wq - 1}:0] ${q} = $signed(${src}) <<< ${-shift};`;
  }
  const w = t.width;
  const wo = wireWidth(t);
  const wc = Math.max(wq, w + 2);
  lines.push(`  wire signed [${wc - 1}:0] ${n}_c = ${q};`);
  const { min, max } = rawRange(t);
  const lo = t.overflow === 'SAT_SYM' && t.signed ? -max : min;
  const wrapped = t.signed ? `${n}_c[${w - 1}:0]` : `{1'b0, ${n}_c[${w - 1}:0]}`;
  const out = `${n}_o`;
  if (t.overflow === 'WRAP') {
    lines.push(`  wire signed [${wo - 1}:0] ${out} = ${wrapped};`);
  } else {
    lines.push(`  wire ${n}_hi = ${n}_c > ${shex(max, wc)};`);
    lines.push(`  wire ${n}_lo = ${n}_c < ${shex(lo, wc)};`);
    const sel =
      t.overflow === 'SAT_ZERO'
        ? `(${n}_hi | ${n}_lo) ? ${hex(0n, wo)} : ${wrapped}`
        : `${n}_hi ? ${hex(max, wo)} : ${n}_lo ? ${hex(lo, wo)} : ${wrapped}`;
    lines.push(`  wire signed [${wo - 1}:0] ${out} = ${sel};`);
  }
  return out;
}

export interface VerilogDesign {
  verilog: string;
  /** Clock cycles from input to output. */
  latencyCycles: number;
  /** Initiation interval (cycles between successive inputs). */
  ii: number;
  inWidth: number;
  outWidth: number;
  nOut: number;
  /** Non-zero constant-multiplication shift-add terms. */
  csdTerms: number;
  /** Adder operands in all neuron sums. */
  adderOperands: number;
}

/** Generates the Verilog of `ir` as module `top` (reuse factor 1, fully parallel). */
export function writeVerilog(ir: ModelIR, opts: { reuse?: number; moduleName?: string } = {}): VerilogDesign {
  const reuse = opts.reuse ?? 1;
  if (reuse !== 1) throw new DomainError('reuse', reuse, 'the Verilog writer generates fully parallel designs (reuse factor 1) only');
  const mod = opts.moduleName ?? 'top';
  const L: string[] = [];
  const inW = ir.inputType.width;
  const last = ir.layers[ir.layers.length - 1];
  const outT = last.resultType;
  const nOut = layerWidth(last);
  let nTerms = 0;
  let nOps = 0;
  L.push(`// ${ir.name}: generated by diffhep (src/hw/verilog.ts); fully parallel, one register stage per layer.`);
  L.push(`module ${mod} (input wire clk, input wire [${ir.nIn * inW - 1}:0] x, output wire [${nOut * outT.width - 1}:0] y);`);
  // Stage 0 signals: the inputs as signed internal wires.
  let cur: string[] = [];
  let curT = ir.inputType;
  for (let i = 0; i < ir.nIn; i++) {
    const raw = `x[${(i + 1) * inW - 1}:${i * inW}]`;
    L.push(`  wire signed [${wireWidth(curT) - 1}:0] in_${i} = ${curT.signed ? raw : `{1'b0, ${raw}}`};`);
    cur.push(`in_${i}`);
  }
  ir.layers.forEach((l, li) => {
    const p = `l${li}`;
    L.push(`  // layer ${li}: ${l.name} (${l.kind})`);
    const wi = wireWidth(curT);
    const fi = fracBits(curT);
    const next: string[] = [];
    if (l.kind === 'dense') {
      const wa = l.accumType.width;
      const prodF = fi + fracBits(l.weightType);
      const wp = wi + wireWidth(l.weightType);
      const xe: string[] = cur.map((s, i) => {
        const e = `${p}_xe${i}`;
        L.push(`  wire signed [${wp - 1}:0] ${e} = ${s};`);
        return e;
      });
      for (let j = 0; j < l.nOut; j++) {
        const operands: string[] = [];
        const bAcc = castRaw(l.bias[j], fracBits(l.biasType), l.accumType);
        if (bAcc !== 0n) operands.push(shex(bAcc, wa));
        for (let i = 0; i < l.nIn; i++) {
          const w = l.weights[i][j];
          if (w === 0n) continue;
          const terms = csdTerms(w);
          nTerms += terms.length;
          const expr = terms.map((t, k) => `${t.sign < 0 ? '-' : k === 0 ? '' : '+'} (${xe[i]} <<< ${t.shift})`).join(' ');
          const pn = `${p}_p${i}_${j}`;
          L.push(`  wire signed [${wp - 1}:0] ${pn} = ${expr};`);
          operands.push(emitCast(L, `${pn}c`, pn, wp, prodF, l.accumType));
        }
        nOps += operands.length;
        const an = `${p}_acc${j}`;
        L.push(`  wire signed [${wa - 1}:0] ${an} = ${operands.length ? operands.join(' + ') : hex(0n, wa)};`);
        next.push(emitCast(L, `${p}_r${j}`, an, wa, fracBits(l.accumType), l.resultType));
      }
    } else if (l.kind === 'relu') {
      cur.forEach((s, i) => {
        const rn = `${p}_m${i}`;
        L.push(`  wire signed [${wi - 1}:0] ${rn} = ${s}[${wi - 1}] ? ${hex(0n, wi)} : ${s};`);
        next.push(emitCast(L, `${p}_r${i}`, rn, wi, fi, l.resultType));
      });
    } else {
      const ib = l.resultType.width;
      let bv = cur[0];
      let bi = hex(0n, ib + 1);
      for (let k = 1; k < cur.length; k++) {
        const c = `${p}_c${k}`;
        L.push(`  wire ${c} = ${cur[k]} > ${bv};`);
        L.push(`  wire signed [${wi - 1}:0] ${p}_v${k} = ${c} ? ${cur[k]} : ${bv};`);
        L.push(`  wire signed [${ib}:0] ${p}_i${k} = ${c} ? ${hex(BigInt(k), ib + 1)} : ${bi};`);
        bv = `${p}_v${k}`;
        bi = `${p}_i${k}`;
      }
      next.push(bi);
    }
    // Register the layer's outputs.
    const wo = wireWidth(l.resultType);
    const regs = next.map((s, i) => {
      const r = `${p}_q${i}`;
      L.push(`  reg signed [${wo - 1}:0] ${r};`);
      L.push(`  always @(posedge clk) ${r} <= ${s};`);
      return r;
    });
    cur = regs;
    curT = l.resultType;
  });
  const ow = outT.width;
  L.push(`  assign y = {${cur.map((s) => `${s}[${ow - 1}:0]`).reverse().join(', ')}};`);
  L.push('endmodule');
  return {
    verilog: L.join('\n') + '\n',
    latencyCycles: ir.layers.length,
    ii: 1,
    inWidth: inW,
    outWidth: ow,
    nOut,
    csdTerms: nTerms,
    adderOperands: nOps,
  };
}


/** A testbench `tb` that streams `n` vectors from in.hex (one per clock) and writes out.hex. */
export function writeTestbench(d: VerilogDesign, nIn: number, n: number, mod = 'top'): string {
  const iw = nIn * d.inWidth;
  const ow = d.nOut * d.outWidth;
  return `\`timescale 1ns/1ps
module tb;
  reg clk = 0;
  always #1 clk = ~clk;
  reg [${iw - 1}:0] mem [0:${n - 1}];
  reg [${iw - 1}:0] x = 0;
  wire [${ow - 1}:0] y;
  integer i, f;
  ${mod} dut (.clk(clk), .x(x), .y(y));
  initial begin
    $readmemh("in.hex", mem);
    f = $fopen("out.hex", "w");
    for (i = 0; i < ${n + d.latencyCycles}; i = i + 1) begin
      @(negedge clk);
      if (i >= ${d.latencyCycles}) $fwrite(f, "%h\\n", y);
      x = (i < ${n}) ? mem[i] : 0;
    end
    $fclose(f);
    $finish;
  end
endmodule
`;
}

/** Packs raw values (low index in low bits) into one hex word of `w` bits each. */
export function packHex(vals: bigint[], w: number): string {
  let acc = 0n;
  vals.forEach((v, i) => {
    acc |= BigInt.asUintN(w, v) << BigInt(i * w);
  });
  const digits = Math.ceil((vals.length * w) / 4);
  return acc.toString(16).padStart(digits, '0');
}

/** Unpacks a hex word into `n` raw values of type `t`. */
export function unpackHex(h: string, n: number, t: FixedType): bigint[] {
  const acc = BigInt('0x' + h.trim());
  const w = t.width;
  return Array.from({ length: n }, (_, i) => {
    const bits = BigInt.asUintN(w, acc >> BigInt(i * w));
    return t.signed ? BigInt.asIntN(w, bits) : bits;
  });
}
