/**
 * Synthesizable Verilog writer. At reuse factor 1 every layer is fully
 * parallel: each constant-weight product is a canonical-signed-digit
 * shift-add tree (zero weights emit nothing), each neuron's sum a plain adder
 * expression in the accumulator width, and every layer's outputs are
 * registered, so the latency is one clock per layer and the initiation
 * interval 1. At reuse factor R > 1 each dense layer shares ceil(nnz / R)
 * multipliers over R phases (see `writeVerilog`), II = R. Casts are generated
 * from the exact ap_fixed rules (fixed.ts).
 *
 * Ports: `x` is the inputs' raw values concatenated (input 0 in the low
 * bits), `W_in` bits each; `y` likewise for the outputs; at R > 1 also
 * `x_valid` and `y_valid`.
 *
 * @example
 * ```ts
 * writeFileSync('model.v', writeVerilog(ir).verilog);
 * ```
 */
import { DomainError } from '../../autodiff/index.js';
import { csdTerms } from './csd.js';
import { castRaw, type FixedType, fracBits, rawRange } from '../fixed/ap-fixed.js';
import { type DenseLayer, layerWidth, type ModelIR } from '../ir.js';

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

/** Logic bits a cast emitted by `emitCast` spends: the rounding incrementer and the overflow comparators and mux (0 for a pure wire cast). */
export function castLogicBits(wi: number, fi: number, t: FixedType): number {
  const shift = fi - fracBits(t);
  let bits = 0;
  let wq = wi - shift;
  if (shift > 0) {
    wq = Math.max(wi, shift + 2) - shift + 1;
    if (t.quant !== 'TRN') bits += wq + shift;
  }
  if (t.overflow !== 'WRAP') bits += 2 * Math.max(wq, t.width + 2) + wireWidth(t);
  return bits;
}

/**
 * Structural counts of a generated design, gathered while writing it: the
 * inputs of the analytic resource estimator (src/hw/estimate). Widths are in
 * bits of the generated signals.
 */
export interface DesignStats {
  /** Σ over non-zero constant products of (CSD digits × product width) (reuse 1). */
  csdBits: number;
  /** Σ over non-zero constant products of (CSD digits × accumulator width) (reuse 1). */
  termAccBits: number;
  /** Σ over neuron sums of (operands × accumulator width) (reuse 1). */
  sumBits: number;
  /** Σ over accumulators of ((multiplier operands + 1) × accumulator width) (reuse > 1). */
  accBits: number;
  /** Σ over multipliers of (input mux sources − 1) × input width (reuse > 1). */
  muxBits: number;
  /** Σ over multipliers of the weight ROM width (reuse > 1). */
  romBits: number;
  /** Σ over gated multiplier → accumulator connections of the accumulator width (reuse > 1). */
  gateBits: number;
  /** Σ of rounding and overflow logic bits of every cast. */
  castBits: number;
  /** ReLU muxes and argmax comparators (bits). */
  actBits: number;
  /** Σ of register widths (flip-flops before synthesis removes constant bits). */
  registerBits: number;
  /** Multipliers (reuse > 1): their operand widths [x, w]. */
  multipliers: [number, number][];
}

export interface VerilogDesign {
  verilog: string;
  /** Reuse factor: products per multiplier per input vector. */
  reuse: number;
  /**
   * 'parallel': ports (clk, x, y), one vector per clock, y valid `latencyCycles` later (reuse 1);
   * 'valid': ports (clk, x_valid, x, y_valid, y), x sampled when x_valid, y valid while y_valid (reuse > 1).
   */
  ports: 'parallel' | 'valid';
  /** Clock cycles from input to output. */
  latencyCycles: number;
  /** Initiation interval (cycles between successive inputs). */
  ii: number;
  inWidth: number;
  outWidth: number;
  nOut: number;
  /** Non-zero constant-multiplication shift-add terms (reuse 1). */
  csdTerms: number;
  /** Adder operands in all neuron sums. */
  adderOperands: number;
  stats: DesignStats;
}

/** One product a multiplier computes in one phase: input i times weight w into output j. */
export interface ProductSlot {
  i: number;
  j: number;
  w: bigint;
}

/**
 * The time-multiplexed schedule of a dense layer at reuse factor R: its
 * non-zero weights in output-major order (output j, then input i), dealt to
 * ceil(nnz / R) multipliers, R consecutive products each; multiplier m
 * computes product m·R + c in phase c (null: idle, weight 0).
 */
export function denseSchedule(l: DenseLayer, reuse: number): (ProductSlot | null)[][] {
  const prods: ProductSlot[] = [];
  for (let j = 0; j < l.nOut; j++) for (let i = 0; i < l.nIn; i++) if (l.weights[i][j] !== 0n) prods.push({ i, j, w: l.weights[i][j] });
  const m = Math.ceil(prods.length / reuse);
  return Array.from({ length: m }, (_, k) => Array.from({ length: reuse }, (_, c) => prods[k * reuse + c] ?? null));
}

/**
 * Which signals of each layer synthesis keeps. `needed`: some output depends
 * on the signal; `varies`: the signal depends on the inputs (through non-zero
 * weights). In a fully parallel design a signal that does not vary is a
 * constant (its register has a constant input), so only signals that vary and
 * are needed remain; in a time-multiplexed design the accumulator registers
 * are never constant, so every needed signal remains (`timeMultiplexed`).
 * Used only for the resource counts of `DesignStats`, not for the emitted
 * design. `[0]` holds the inputs, `[l + 1]` layer l's outputs.
 */
export function liveSignals(ir: ModelIR, timeMultiplexed = false): boolean[][] {
  const varies: boolean[][] = [new Array<boolean>(ir.nIn).fill(true)];
  ir.layers.forEach((l, li) => {
    const v = varies[li];
    if (l.kind === 'dense') varies.push(Array.from({ length: l.nOut }, (_, j) => v.some((x, i) => x && l.weights[i][j] !== 0n)));
    else if (l.kind === 'relu') varies.push([...v]);
    else varies.push([v.some(Boolean)]);
  });
  const needed: boolean[][] = new Array(ir.layers.length + 1);
  needed[ir.layers.length] = new Array<boolean>(layerWidth(ir.layers[ir.layers.length - 1])).fill(true);
  for (let li = ir.layers.length - 1; li >= 0; li--) {
    const l = ir.layers[li];
    const n = needed[li + 1];
    const nIn = li === 0 ? ir.nIn : layerWidth(ir.layers[li - 1]);
    if (l.kind === 'dense') needed[li] = Array.from({ length: nIn }, (_, i) => n.some((x, j) => x && l.weights[i][j] !== 0n));
    else if (l.kind === 'relu') needed[li] = [...n];
    else needed[li] = new Array<boolean>(nIn).fill(n[0]);
  }
  return timeMultiplexed ? needed : varies.map((v, k) => v.map((x, i) => x && needed[k][i]));
}

/** Bits of a counter of R phases. */
function counterBits(reuse: number): number {
  return Math.max(1, Math.ceil(Math.log2(reuse)));
}

/**
 * Generates the Verilog of `ir` as module `top`.
 *
 * Reuse factor 1 (default): fully parallel, every constant product a CSD
 * shift-add tree, one register stage per layer, latency = layers, II 1.
 *
 * Reuse factor R > 1: every dense layer time-multiplexes its non-zero
 * products over R phases (`denseSchedule`) on ceil(nnz / R) real multipliers
 * whose weight comes from a per-phase constant table (a ROM on the phase
 * counter) and whose input from a per-phase mux; each product is cast to the
 * accumulator type and added (wrapping) into per-output accumulator registers
 * that start from the cast bias in phase 0, and the last phase's sum is cast
 * to the result type and registered. The input vector is registered on
 * `x_valid`; a dense layer takes R cycles, ReLU and argmax one; II = R.
 * Inputs must come at least R cycles apart.
 */
export function writeVerilog(ir: ModelIR, opts: { reuse?: number; moduleName?: string } = {}): VerilogDesign {
  const reuse = opts.reuse ?? 1;
  if (!Number.isInteger(reuse) || reuse < 1 || reuse > 65536) throw new DomainError('reuse', reuse, 'an integer in [1, 65536]');
  const mod = opts.moduleName ?? 'top';
  const mux = reuse > 1;
  const L: string[] = [];
  const inW = ir.inputType.width;
  const last = ir.layers[ir.layers.length - 1];
  const outT = last.resultType;
  const nOut = layerWidth(last);
  const st: DesignStats = { csdBits: 0, termAccBits: 0, sumBits: 0, accBits: 0, muxBits: 0, romBits: 0, gateBits: 0, castBits: 0, actBits: 0, registerBits: 0, multipliers: [] };
  let nTerms = 0;
  let nOps = 0;
  let latency = 0;
  const live = liveSignals(ir, mux);
  const cast = (n: string, src: string, wi: number, fi: number, t: FixedType, counted = true) => {
    if (counted) st.castBits += castLogicBits(wi, fi, t);
    return emitCast(L, n, src, wi, fi, t);
  };
  if (!mux) {
    L.push(`// ${ir.name}: generated by diffhep (src/hw/verilog/writer.ts); fully parallel, one register stage per layer.`);
    L.push(`module ${mod} (input wire clk, input wire [${ir.nIn * inW - 1}:0] x, output wire [${nOut * outT.width - 1}:0] y);`);
  } else {
    L.push(`// ${ir.name}: generated by diffhep (src/hw/verilog/writer.ts); reuse factor ${reuse}: dense layers time-multiplexed over ${reuse} phases.`);
    L.push(`module ${mod} (input wire clk, input wire x_valid, input wire [${ir.nIn * inW - 1}:0] x, output wire y_valid, output wire [${nOut * outT.width - 1}:0] y);`);
    L.push(`  reg [${ir.nIn * inW - 1}:0] x_r;`);
    L.push(`  reg v_in = 1'b0;`);
    L.push(`  always @(posedge clk) begin v_in <= x_valid; if (x_valid) x_r <= x; end`);
    st.registerBits += ir.nIn * inW + 1;
    latency = 1;
  }
  const xsrc = mux ? 'x_r' : 'x';
  // Stage 0 signals: the inputs as signed internal wires.
  let cur: string[] = [];
  let curT = ir.inputType;
  let valid = 'v_in';
  for (let i = 0; i < ir.nIn; i++) {
    const raw = `${xsrc}[${(i + 1) * inW - 1}:${i * inW}]`;
    L.push(`  wire signed [${wireWidth(curT) - 1}:0] in_${i} = ${curT.signed ? raw : `{1'b0, ${raw}}`};`);
    cur.push(`in_${i}`);
  }
  ir.layers.forEach((l, li) => {
    const p = `l${li}`;
    L.push(`  // layer ${li}: ${l.name} (${l.kind})`);
    const wi = wireWidth(curT);
    const fi = fracBits(curT);
    const wo = wireWidth(l.resultType);
    const next: string[] = [];
    if (l.kind === 'dense' && mux) {
      const wa = l.accumType.width;
      const ww = wireWidth(l.weightType);
      const wp = wi + ww;
      const prodF = fi + fracBits(l.weightType);
      const cb = counterBits(reuse);
      const ph = `${p}_c`;
      L.push(`  reg [${cb - 1}:0] ${ph} = ${cb}'d0;`);
      L.push(`  always @(posedge clk) ${ph} <= (${ph} == ${cb}'d${reuse - 1}) ? ${cb}'d0 : (${valid} || ${ph} != ${cb}'d0) ? ${ph} + ${cb}'d1 : ${cb}'d0;`);
      st.registerBits += cb;
      const sched = denseSchedule(l, reuse);
      const ops: string[][] = Array.from({ length: l.nOut }, () => []);
      sched.forEach((slots, m) => {
        const mx = `${p}_mx${m}`;
        const mw = `${p}_mw${m}`;
        const used = slots.filter((s): s is ProductSlot => s !== null);
        // Counted only if some product of the multiplier is live (synthesis removes the others).
        const keptSlots = used.filter((s) => live[li][s.i] && live[li + 1][s.j]);
        if (keptSlots.length > 0) {
          st.muxBits += (new Set(keptSlots.map((s) => s.i)).size - 1) * wi;
          st.romBits += ww;
          st.multipliers.push([wi, ww]);
        }
        // Input mux: idle phases repeat the first source (their weight is 0).
        L.push(`  reg signed [${wi - 1}:0] ${mx};`);
        L.push(`  reg signed [${ww - 1}:0] ${mw};`);
        const cases = slots.map((s, c) => (s ? `      ${cb}'d${c}: begin ${mx} = ${cur[s.i]}; ${mw} = ${shex(s.w, ww)}; end` : '')).filter(Boolean);
        L.push(`  always @* begin`);
        L.push(`    case (${ph})`);
        L.push(...cases);
        L.push(`      default: begin ${mx} = ${cur[used[0].i]}; ${mw} = ${hex(0n, ww)}; end`);
        L.push(`    endcase`);
        L.push(`  end`);
        const mp = `${p}_mp${m}`;
        L.push(`  wire signed [${wp - 1}:0] ${mp} = ${mx} * ${mw};`);
        const pc = cast(`${mp}c`, mp, wp, prodF, l.accumType, keptSlots.length > 0);
        // Phases of this multiplier per output (contiguous, output-major order).
        const outs = [...new Set(used.map((s) => s.j))];
        for (const j of outs) {
          if (outs.length === 1) {
            ops[j].push(pc);
            continue;
          }
          const cs = slots.map((s, c) => (s?.j === j ? c : -1)).filter((c) => c >= 0);
          const [c0, c1] = [cs[0], cs[cs.length - 1]];
          const cond = [c0 > 0 ? `${ph} >= ${cb}'d${c0}` : '', c1 < reuse - 1 ? `${ph} <= ${cb}'d${c1}` : ''].filter(Boolean).join(' && ');
          const g = `${p}_g${m}_${j}`;
          L.push(`  wire signed [${wa - 1}:0] ${g} = (${cond}) ? ${pc} : ${hex(0n, wa)};`);
          if (keptSlots.some((s) => s.j === j)) st.gateBits += wa;
          ops[j].push(g);
        }
      });
      const last = `(${ph} == ${cb}'d${reuse - 1})`;
      for (let j = 0; j < l.nOut; j++) {
        const bAcc = castRaw(l.bias[j], fracBits(l.biasType), l.accumType);
        const a = `${p}_a${j}`;
        const s = `${p}_s${j}`;
        L.push(`  reg signed [${wa - 1}:0] ${a};`);
        L.push(`  wire signed [${wa - 1}:0] ${s} = ${[`(${ph} == ${cb}'d0 ? ${shex(bAcc, wa)} : ${a})`, ...ops[j]].join(' + ')};`);
        L.push(`  always @(posedge clk) ${a} <= ${s};`);
        const kept = live[li + 1][j];
        if (kept) {
          st.accBits += (ops[j].length + 1) * wa;
          st.registerBits += wa + l.resultType.width;
        }
        nOps += ops[j].length + 1;
        const r = `${p}_q${j}`;
        const cr = cast(`${p}_r${j}`, s, wa, fracBits(l.accumType), l.resultType, kept);
        L.push(`  reg signed [${wo - 1}:0] ${r};`);
        L.push(`  always @(posedge clk) if ${last} ${r} <= ${cr};`);
        next.push(r);
      }
      L.push(`  reg ${p}_v = 1'b0;`);
      L.push(`  always @(posedge clk) ${p}_v <= ${last};`);
      st.registerBits += 1;
      valid = `${p}_v`;
      latency += reuse;
      cur = next;
      curT = l.resultType;
      return;
    }
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
        let counted = 0;
        const bAcc = castRaw(l.bias[j], fracBits(l.biasType), l.accumType);
        if (bAcc !== 0n) operands.push(shex(bAcc, wa));
        for (let i = 0; i < l.nIn; i++) {
          const w = l.weights[i][j];
          if (w === 0n) continue;
          const terms = csdTerms(w);
          nTerms += terms.length;
          const kept = live[li + 1][j] && live[li][i];
          if (kept) {
            st.csdBits += terms.length * wp;
            st.termAccBits += terms.length * wa;
            counted++;
          }
          const expr = terms.map((t, k) => `${t.sign < 0 ? '-' : k === 0 ? '' : '+'} (${xe[i]} <<< ${t.shift})`).join(' ');
          const pn = `${p}_p${i}_${j}`;
          L.push(`  wire signed [${wp - 1}:0] ${pn} = ${expr};`);
          operands.push(cast(`${pn}c`, pn, wp, prodF, l.accumType, kept));
        }
        nOps += operands.length;
        st.sumBits += counted * wa;
        const an = `${p}_acc${j}`;
        L.push(`  wire signed [${wa - 1}:0] ${an} = ${operands.length ? operands.join(' + ') : hex(0n, wa)};`);
        next.push(cast(`${p}_r${j}`, an, wa, fracBits(l.accumType), l.resultType, live[li + 1][j]));
      }
    } else if (l.kind === 'relu') {
      cur.forEach((s, i) => {
        const rn = `${p}_m${i}`;
        L.push(`  wire signed [${wi - 1}:0] ${rn} = ${s}[${wi - 1}] ? ${hex(0n, wi)} : ${s};`);
        if (live[li + 1][i]) st.actBits += wi;
        next.push(cast(`${p}_r${i}`, rn, wi, fi, l.resultType, live[li + 1][i]));
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
        if (live[li][k]) st.actBits += 2 * wi + ib;
        bv = `${p}_v${k}`;
        bi = `${p}_i${k}`;
      }
      next.push(bi);
    }
    // Register the layer's outputs (and, with a handshake, its valid flag).
    const regs = next.map((s, i) => {
      const r = `${p}_q${i}`;
      L.push(`  reg signed [${wo - 1}:0] ${r};`);
      L.push(`  always @(posedge clk) ${r} <= ${s};`);
      if (live[li + 1][i]) st.registerBits += l.resultType.width;
      return r;
    });
    if (mux) {
      L.push(`  reg ${p}_v = 1'b0;`);
      L.push(`  always @(posedge clk) ${p}_v <= ${valid};`);
      st.registerBits += 1;
      valid = `${p}_v`;
    }
    latency += 1;
    cur = regs;
    curT = l.resultType;
  });
  const ow = outT.width;
  L.push(`  assign y = {${cur.map((s) => `${s}[${ow - 1}:0]`).reverse().join(', ')}};`);
  if (mux) L.push(`  assign y_valid = ${valid};`);
  L.push('endmodule');
  return {
    verilog: L.join('\n') + '\n',
    reuse,
    ports: mux ? 'valid' : 'parallel',
    latencyCycles: latency,
    ii: mux && ir.layers.some((l) => l.kind === 'dense') ? reuse : 1,
    inWidth: inW,
    outWidth: ow,
    nOut,
    csdTerms: nTerms,
    adderOperands: nOps,
    stats: st,
  };
}

/**
 * A testbench `tb` for design `d` that reads `n` vectors from in.hex and
 * writes the outputs to out.hex, one line per vector. For a 'parallel'
 * design it applies one vector per clock and records y `latencyCycles`
 * clocks later; for a 'valid' design it raises x_valid with a new vector
 * every `ii` clocks (x is all ones in between, which the design must ignore),
 * records y whenever y_valid is high, and writes the measured latency of the
 * first vector and the smallest and largest spacing of successive outputs to
 * timing.txt (`latency L ii_min A ii_max B outputs N`).
 */
export function writeTestbench(d: VerilogDesign, nIn: number, n: number, mod = 'top'): string {
  const iw = nIn * d.inWidth;
  const ow = d.nOut * d.outWidth;
  if (d.ports === 'valid') {
    const maxCycles = n * d.ii + d.latencyCycles + 8;
    return `\`timescale 1ns/1ps
module tb;
  reg clk = 0;
  always #1 clk = ~clk;
  reg [${iw - 1}:0] mem [0:${n - 1}];
  reg [${iw - 1}:0] x = 0;
  reg xv = 0;
  wire [${ow - 1}:0] y;
  wire yv;
  integer cyc, f, t, got, last, gmin, gmax, lat;
  ${mod} dut (.clk(clk), .x_valid(xv), .x(x), .y_valid(yv), .y(y));
  initial begin
    $readmemh("in.hex", mem);
    f = $fopen("out.hex", "w");
    got = 0; last = -1; gmin = 1 << 30; gmax = 0; lat = -1;
    for (cyc = 0; cyc < ${maxCycles}; cyc = cyc + 1) begin
      @(negedge clk);
      if (yv) begin
        $fwrite(f, "%h\\n", y);
        if (got == 0) lat = cyc;
        if (last >= 0 && cyc - last < gmin) gmin = cyc - last;
        if (last >= 0 && cyc - last > gmax) gmax = cyc - last;
        last = cyc;
        got = got + 1;
      end
      if (cyc % ${d.ii} == 0 && cyc / ${d.ii} < ${n}) begin x = mem[cyc / ${d.ii}]; xv = 1; end
      else begin x = {${iw}{1'b1}}; xv = 0; end
    end
    $fclose(f);
    t = $fopen("timing.txt", "w");
    $fwrite(t, "latency %0d ii_min %0d ii_max %0d outputs %0d\\n", lat, gmin, gmax, got);
    $fclose(t);
    $finish;
  end
endmodule
`;
  }
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
