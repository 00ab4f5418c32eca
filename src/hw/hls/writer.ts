/**
 * HLS C++ writer for Vitis HLS, organized as hls4ml's io_parallel projects:
 * `defines.h` (sizes and one typedef per layer type), `weights/wK.h` and
 * `weights/bK.h` (the quantized weights as typed constant arrays), one
 * function per layer in `layers.h`, and the top function `myproject(input,
 * output)` in `myproject.cpp` with the pipeline, unroll and partition
 * pragmas driven by the reuse factor.
 *
 * The arithmetic is the IR's (see ir.ts) written with ap_fixed operators, so
 * Xilinx's ap_fixed.h and diffhep's own header (include/diffhep_ap_fixed.h)
 * both compute it bit for bit: each product `data[i] * w[k]` is exact, the
 * explicit cast to the accumulator type quantizes it by the accumulator's
 * mode, the bias is cast to the accumulator, `+=` wraps in the accumulator,
 * and the sum is cast to the result type.
 *
 * Reuse factor R (as hls4ml's latency strategy): the top function is
 * pipelined with II = R; a dense layer of nIn x nOut weights gets
 * ceil(nIn·nOut / R) multipliers (`ALLOCATION ... limit`, the product loop
 * unrolled by that factor and the weight array reshaped cyclically to feed
 * it); at R = 1 every loop is fully unrolled and every array fully
 * partitioned.
 *
 * @example
 * ```ts
 * const p = writeHls(ir, { reuse: 4 });
 * for (const [path, text] of Object.entries(p.files)) writeFileSync(join(dir, path), text);
 * ```
 */
import { DiffhepError, DomainError } from '../../autodiff/index.js';
import { exactRaw, type FixedType, fixedType, formatFixed, fracBits } from '../fixed/ap-fixed.js';
import { layerWidth, type Layer, type ModelIR } from '../ir.js';

export interface HlsLayerInfo {
  name: string;
  kind: Layer['kind'];
  /** The generated function. */
  fn: string;
  /** Multipliers the pragmas allow (dense layers): ceil(nIn·nOut / reuse). */
  multipliers?: number;
}

export interface HlsProject {
  /** Generated files by path relative to the project directory (`hls/`). */
  files: Record<string, string>;
  /** Top function name. */
  top: string;
  reuse: number;
  /** Initiation interval the top pipeline requests (= reuse). */
  ii: number;
  /** Nominal latency of the requested schedule: reuse cycles per dense layer, one per other layer (Vitis decides the real one). */
  latencyCycles: number;
  inWidth: number;
  outWidth: number;
  nOut: number;
  layers: HlsLayerInfo[];
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks every type of the IR again (an IR read from JSON is not validated) and the layer shapes; errors name the layer. */
export function validateIr(ir: ModelIR): void {
  const check = (t: FixedType, field: string) => fixedType(t?.width, t?.integer, t ?? {}, field);
  if (!Number.isInteger(ir.nIn) || ir.nIn < 1) throw new DomainError('model.nIn', ir.nIn, 'a positive integer');
  if (!Array.isArray(ir.layers) || ir.layers.length === 0) throw new DiffhepError('model.layers: the model has no layers', 'model.layers');
  check(ir.inputType, 'inputType');
  let n = ir.nIn;
  ir.layers.forEach((l, k) => {
    const name = `layers[${k}] '${l.name}'`;
    switch (l.kind) {
      case 'dense': {
        check(l.weightType, `${l.name}.weightType`);
        check(l.biasType, `${l.name}.biasType`);
        check(l.accumType, `${l.name}.accumType`);
        check(l.resultType, `${l.name}.resultType`);
        if (l.nIn !== n || l.weights.length !== n) throw new DiffhepError(`${name}: kernel has ${l.weights.length} input rows, the previous layer gives ${n}`, `${l.name}.weights`);
        if (l.bias.length !== l.nOut || l.weights.some((r) => r.length !== l.nOut)) {
          throw new DiffhepError(`${name}: weights and bias must have ${l.nOut} outputs`, `${l.name}.weights`);
        }
        if (l.accumType.overflow !== 'WRAP' || !l.accumType.signed) {
          throw new DomainError(`${l.name}.accumType`, formatFixed(l.accumType), 'the accumulator must be a signed WRAP type (order-independent sums)');
        }
        n = l.nOut;
        break;
      }
      case 'relu':
        check(l.resultType, `${l.name}.resultType`);
        if (l.n !== n) throw new DiffhepError(`${name}: relu of ${l.n} values, the previous layer gives ${n}`, `${l.name}.n`);
        break;
      case 'argmax':
        check(l.resultType, `${l.name}.resultType`);
        if (k !== ir.layers.length - 1) throw new DiffhepError(`${name}: argmax is supported only as the last layer`, l.name);
        if (l.n !== n) throw new DiffhepError(`${name}: argmax of ${l.n} values, the previous layer gives ${n}`, `${l.name}.n`);
        if (l.resultType.signed || l.resultType.integer !== l.resultType.width || 2 ** l.resultType.width < n) {
          throw new DomainError(`${l.name}.resultType`, formatFixed(l.resultType), `an unsigned integer type that holds the index ${n - 1}`);
        }
        n = 1;
        break;
      default:
        throw new DiffhepError(`${name}: unsupported layer kind '${(l as { kind: string }).kind}' (supported: dense, relu, argmax)`, (l as { name?: string }).name);
    }
  });
}

/** The exact C++ literal of the raw value `raw` of type `t` (a double literal, or a sum of two when it has more than 53 significant bits). */
export function fixedLiteral(raw: bigint, t: FixedType, typeName: string, field: string): string {
  const f = fracBits(t);
  const asDouble = (r: bigint): string | null => {
    const x = Number(r) * 2 ** -f;
    if (!Number.isFinite(x) || (x === 0) !== (r === 0n)) return null;
    const e = exactRaw(x);
    // x is exact iff e.raw * 2^-e.frac == r * 2^-f.
    const lhs = e.frac >= f ? e.raw : e.raw << BigInt(f - e.frac);
    const rhs = e.frac >= f ? r << BigInt(e.frac - f) : r;
    if (lhs !== rhs) return null;
    const s = String(x);
    return /[.e]/.test(s) ? s : `${s}.0`;
  };
  const one = asDouble(raw);
  if (one !== null) return one;
  const mag = raw < 0n ? -raw : raw;
  const k = BigInt(Math.max(0, mag.toString(2).length - 53));
  const hi = (raw >> k) << k; // floor: stays inside the type's range
  const lo = raw - hi; // 0 <= lo < 2^k
  const a = asDouble(hi);
  const b = asDouble(lo);
  if (a === null || b === null) throw new DomainError(field, raw.toString(), `raw value of ${formatFixed(t)} cannot be written as an exact C++ literal`);
  return `${typeName}(${a}) + ${typeName}(${b})`;
}

function cIdent(s: string): string {
  const t = s.replace(/[^A-Za-z0-9_]/g, '_');
  return t;
}

/** Width of the exact product type of two fixed types (what ap_fixed's `*` returns). */
function productBits(a: FixedType, b: FixedType): number {
  return a.width + b.width;
}

/** Generates the HLS C++ project of `ir` (top function `top`, default `myproject`). */
export function writeHls(ir: ModelIR, opts: { reuse?: number; top?: string } = {}): HlsProject {
  validateIr(ir);
  const reuse = opts.reuse ?? 1;
  if (!Number.isInteger(reuse) || reuse < 1) throw new DomainError('reuse', reuse, 'the reuse factor must be a positive integer');
  const top = opts.top ?? 'myproject';
  if (!IDENT.test(top)) throw new DomainError('top', top, 'a C identifier');
  const files: Record<string, string> = {};
  const last = ir.layers[ir.layers.length - 1];
  const nOut = layerWidth(last);
  const guard = top.toUpperCase();

  // defines.h: sizes and types.
  const D: string[] = [];
  D.push(`// ${ir.name}: sizes and fixed-point types, generated by diffhep.`);
  D.push('#ifndef DEFINES_H_', '#define DEFINES_H_', '', '#include "ap_fixed.h"', '');
  D.push(`#define N_INPUT ${ir.nIn}`);
  ir.layers.forEach((l, k) => D.push(`#define N_LAYER_${k} ${layerWidth(l)}  // ${l.name} (${l.kind})`));
  D.push(`#define N_OUTPUT ${nOut}`, '');
  D.push(`typedef ${formatFixed(ir.inputType)} input_t;`);
  const layers: HlsLayerInfo[] = [];
  ir.layers.forEach((l, k) => {
    if (l.kind === 'dense') {
      D.push(`typedef ${formatFixed(l.weightType)} layer${k}_weight_t;`);
      D.push(`typedef ${formatFixed(l.biasType)} layer${k}_bias_t;`);
      D.push(`typedef ${formatFixed(l.accumType)} layer${k}_accum_t;`);
    }
    D.push(`typedef ${formatFixed(l.resultType)} layer${k}_result_t;`);
  });
  D.push(`typedef layer${ir.layers.length - 1}_result_t result_t;`, '', '#endif', '');
  files['firmware/defines.h'] = D.join('\n');

  // Weights and the layer functions.
  const F: string[] = [];
  F.push(`// ${ir.name}: one function per layer, generated by diffhep (reuse factor ${reuse}).`);
  F.push('#ifndef LAYERS_H_', '#define LAYERS_H_', '', '#include "defines.h"');
  let inT = 'input_t';
  let inType = ir.inputType;
  let nIn = ir.nIn;
  let latency = 0;
  ir.layers.forEach((l, k) => {
    const fn = `layer${k}_${cIdent(l.name)}`;
    const outT = `layer${k}_result_t`;
    const n = layerWidth(l);
    const body: string[] = [];
    let multipliers: number | undefined;
    if (l.kind === 'dense') {
      const pb = productBits(inType, l.weightType);
      if (pb > (inType.signed || l.weightType.signed ? 128 : 127)) {
        throw new DomainError(`${l.name}.weightType`, formatFixed(l.weightType), `the exact product with ${formatFixed(inType)} inputs needs ${pb} unsigned bits (at most 127 supported)`);
      }
      const wT = `layer${k}_weight_t`;
      const bT = `layer${k}_bias_t`;
      const aT = `layer${k}_accum_t`;
      const total = l.nIn * l.nOut;
      multipliers = Math.ceil(total / reuse);
      const wl = l.weights.flatMap((row, i) => row.map((w, j) => fixedLiteral(w, l.weightType, wT, `${l.name}.weights[${i}][${j}]`)));
      const bl = l.bias.map((b, j) => fixedLiteral(b, l.biasType, bT, `${l.name}.bias[${j}]`));
      files[`firmware/weights/w${k}.h`] =
        `// ${l.name}: weights [${l.nIn}][${l.nOut}] as ${formatFixed(l.weightType)}, index i * ${l.nOut} + j.\n` +
        `#ifndef W${k}_H_\n#define W${k}_H_\n\nstatic const ${wT} w${k}[${total}] = {\n${chunk(wl)}\n};\n\n#endif\n`;
      files[`firmware/weights/b${k}.h`] =
        `// ${l.name}: biases [${l.nOut}] as ${formatFixed(l.biasType)}.\n` +
        `#ifndef B${k}_H_\n#define B${k}_H_\n\nstatic const ${bT} b${k}[${l.nOut}] = {\n${chunk(bl)}\n};\n\n#endif\n`;
      F.push(`#include "weights/w${k}.h"`, `#include "weights/b${k}.h"`);
      body.push(`  // ${l.name}: dense ${l.nIn} -> ${l.nOut}, ${multipliers} multipliers (reuse factor ${reuse}).`);
      if (reuse === 1) body.push(`  #pragma HLS ARRAY_PARTITION variable=w${k} complete`);
      else {
        body.push(`  #pragma HLS ARRAY_RESHAPE variable=w${k} cyclic factor=${multipliers}`);
        body.push(`  #pragma HLS ALLOCATION operation instances=mul limit=${multipliers}`);
      }
      body.push(`  #pragma HLS ARRAY_PARTITION variable=b${k} complete`);
      body.push(`  ${aT} acc[${l.nOut}];`, '  #pragma HLS ARRAY_PARTITION variable=acc complete');
      body.push(`Bias:`, `  for (int j = 0; j < ${l.nOut}; j++) {`, '    #pragma HLS UNROLL', `    acc[j] = (${aT})b${k}[j];`, '  }');
      body.push(`Product:`, `  for (int k = 0; k < ${total}; k++) {`);
      body.push(reuse === 1 ? '    #pragma HLS UNROLL' : `    #pragma HLS UNROLL factor=${multipliers}`);
      body.push(`    acc[k % ${l.nOut}] += (${aT})(data[k / ${l.nOut}] * w${k}[k]);`, '  }');
      body.push(`Result:`, `  for (int j = 0; j < ${l.nOut}; j++) {`, '    #pragma HLS UNROLL', `    res[j] = (${outT})acc[j];`, '  }');
      latency += reuse;
    } else if (l.kind === 'relu') {
      body.push(`  // ${l.name}: relu of ${l.n} values.`);
      body.push(`Relu:`, `  for (int i = 0; i < ${l.n}; i++) {`, '    #pragma HLS UNROLL');
      body.push(`    res[i] = data[i] > 0 ? (${outT})data[i] : (${outT})0;`, '  }');
      latency += 1;
    } else {
      body.push(`  // ${l.name}: index of the first largest of ${l.n} values (the hardware form of a final softmax).`);
      body.push(`  ${inT} best = data[0];`, '  int index = 0;');
      body.push(`Argmax:`, `  for (int i = 1; i < ${l.n}; i++) {`, '    #pragma HLS UNROLL');
      body.push('    if (data[i] > best) {', '      best = data[i];', '      index = i;', '    }', '  }');
      body.push(`  res[0] = (${outT})index;`);
      latency += 1;
    }
    F.push('', `void ${fn}(const ${inT} data[${nIn}], ${outT} res[${n}]) {`, '  #pragma HLS INLINE', ...body, '}');
    layers.push({ name: l.name, kind: l.kind, fn, multipliers });
    inT = outT;
    inType = l.resultType;
    nIn = n;
  });
  F.push('', '#endif', '');
  files['firmware/layers.h'] = F.join('\n');

  files[`firmware/${top}.h`] = [
    `// ${ir.name}: top function, generated by diffhep.`,
    `#ifndef ${guard}_H_`,
    `#define ${guard}_H_`,
    '',
    '#include "defines.h"',
    '',
    `void ${top}(input_t input[N_INPUT], result_t output[N_OUTPUT]);`,
    '',
    '#endif',
    '',
  ].join('\n');

  const T: string[] = [];
  T.push(`// ${ir.name}: top function (io_parallel, reuse factor ${reuse}), generated by diffhep.`);
  T.push(`#include "${top}.h"`, '#include "layers.h"', '');
  T.push(`void ${top}(input_t input[N_INPUT], result_t output[N_OUTPUT]) {`);
  T.push('  #pragma HLS ARRAY_PARTITION variable=input complete dim=0');
  T.push('  #pragma HLS ARRAY_PARTITION variable=output complete dim=0');
  T.push('  #pragma HLS INTERFACE ap_vld port=input,output');
  T.push(`  #pragma HLS PIPELINE II=${reuse}`);
  let prev = 'input';
  layers.forEach((info, k) => {
    if (k === layers.length - 1) {
      T.push(`  ${info.fn}(${prev}, output);`);
      return;
    }
    const v = `layer${k}_out`;
    T.push(`  layer${k}_result_t ${v}[N_LAYER_${k}];`, `  #pragma HLS ARRAY_PARTITION variable=${v} complete dim=0`);
    T.push(`  ${info.fn}(${prev}, ${v});`);
    prev = v;
  });
  T.push('}', '');
  files[`firmware/${top}.cpp`] = T.join('\n');

  return {
    files,
    top,
    reuse,
    ii: reuse,
    latencyCycles: latency,
    inWidth: ir.inputType.width,
    outWidth: last.resultType.width,
    nOut,
    layers,
  };
}

function chunk(items: string[], perLine = 8): string {
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += perLine) lines.push('  ' + items.slice(i, i + perLine).join(', '));
  return lines.join(',\n');
}
