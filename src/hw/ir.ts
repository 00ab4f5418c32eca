/**
 * The hardware model IR: a feed-forward chain of layers whose weights are
 * already quantized (raw integers) and whose every intermediate has a
 * fixed-point type. Writers (Verilog, HLS C++) and the bit-exact emulator all
 * read this one structure, as hls4ml's writers read its model graph.
 *
 * Layer arithmetic (what the emulator and the generated hardware compute):
 * - dense: each product x_i * w_ij is formed exactly (W_x + W_w bits), cast to
 *   `accumType` (by default the overflow-free exact type of `exactAccumType`);
 *   the bias is cast to `accumType`; the sum wraps in `accumType` (WRAP
 *   overflow is required, which makes the sum independent of the adder
 *   order); the sum is cast to `resultType`.
 * - relu: max(x, 0) cast to `resultType`.
 * - argmax: index of the first largest input (the hardware form of a final
 *   softmax, whose argmax it preserves), an unsigned integer.
 */
import { DiffhepError, DomainError, NonFiniteError } from '../autodiff/index.js';
import { type FixedType, fixedType, formatFixed, fromNumber, MAX_WIDTH, parseFixed } from './fixed/ap-fixed.js';

export interface DenseLayer {
  kind: 'dense';
  name: string;
  nIn: number;
  nOut: number;
  /** Raw quantized weights [in][out] of `weightType`. */
  weights: bigint[][];
  /** Raw quantized biases [out] of `biasType`. */
  bias: bigint[];
  weightType: FixedType;
  biasType: FixedType;
  accumType: FixedType;
  resultType: FixedType;
}
export interface ReluLayer {
  kind: 'relu';
  name: string;
  n: number;
  resultType: FixedType;
}
export interface ArgmaxLayer {
  kind: 'argmax';
  name: string;
  n: number;
  /** The integer type of the index (ap_ufixed<bits, bits>). */
  resultType: FixedType;
}
export type Layer = DenseLayer | ReluLayer | ArgmaxLayer;

export interface ModelIR {
  name: string;
  nIn: number;
  inputType: FixedType;
  layers: Layer[];
}

/** The type a layer emits. */
export function layerOutType(m: ModelIR, i: number): FixedType {
  return i < 0 ? m.inputType : m.layers[i].resultType;
}

/** Output width of a layer. */
export function layerWidth(l: Layer): number {
  return l.kind === 'dense' ? l.nOut : l.kind === 'argmax' ? 1 : l.n;
}

/** A float layer description, the input of `quantizeModel`. */
export type FloatLayer =
  | {
      kind: 'dense';
      name: string;
      /** [in][out] */
      weights: number[][];
      bias: number[];
      weightType?: FixedType | string;
      biasType?: FixedType | string;
      accumType?: FixedType | string;
      resultType?: FixedType | string;
    }
  | { kind: 'relu'; name: string; resultType?: FixedType | string }
  | { kind: 'softmax'; name: string }
  | {
      kind: 'batchnorm';
      name: string;
      gamma: number[];
      beta: number[];
      mean: number[];
      variance: number[];
      epsilon: number;
      resultType?: FixedType | string;
    };

export interface FloatModel {
  name: string;
  nIn: number;
  layers: FloatLayer[];
}

function toType(t: FixedType | string | undefined, dflt: FixedType, field: string): FixedType {
  if (t === undefined) return dflt;
  return typeof t === 'string' ? parseFixed(t, field) : fixedType(t.width, t.integer, t, field);
}

/**
 * The narrowest signed WRAP accumulator in which a neuron sum of these
 * quantized weights cannot overflow and no product or bias loses a bit:
 * F = max(F_x + F_w, F_b), and enough integer bits for
 * |b| + sum_i |w_ij| * max|x| of the worst neuron.
 */
export function exactAccumType(w: bigint[][], b: bigint[], xT: FixedType, wT: FixedType, bT: FixedType, name: string): FixedType {
  const fx = xT.width - xT.integer;
  const fw = wT.width - wT.integer;
  const fb = bT.width - bT.integer;
  const f = Math.max(fx + fw, fb);
  const xMax = xT.signed ? 1n << BigInt(xT.width - 1) : (1n << BigInt(xT.width)) - 1n; // max |raw x|
  const abs = (v: bigint) => (v < 0n ? -v : v);
  let worst = 0n;
  for (let j = 0; j < b.length; j++) {
    let s = abs(b[j]) << BigInt(f - fb);
    for (const row of w) s += (abs(row[j]) * xMax) << BigInt(f - fx - fw);
    if (s > worst) worst = s;
  }
  const width = Math.max(2, worst.toString(2).length + 1);
  if (width > MAX_WIDTH) {
    throw new DomainError(`${name}.accumType`, `${width} bits`, `an overflow-free accumulator would exceed ${MAX_WIDTH} bits; give an explicit accum type`);
  }
  return fixedType(width, width - f, { quant: 'TRN', overflow: 'WRAP' }, `${name}.accumType`);
}

/** Bits needed for an unsigned index below n. */
function indexBits(n: number): number {
  return Math.max(1, Math.ceil(Math.log2(Math.max(2, n))));
}

/**
 * Quantizes a float model into the IR: every type not given on a layer is the
 * default `precision` (as hls4ml's model-level default); a softmax must be the
 * last layer and becomes an argmax; a batch norm becomes a diagonal dense
 * layer (scale = gamma / sqrt(var + eps), shift = beta - mean * scale).
 * Throws naming the layer for NaN weights, shape mismatches, unsupported
 * layers and non-WRAP accumulators.
 */
export function quantizeModel(model: FloatModel, opts: { precision?: FixedType | string; inputType?: FixedType | string } = {}): ModelIR {
  const dflt = toType(opts.precision, fixedType(16, 6), 'precision');
  const inputType = toType(opts.inputType, dflt, 'inputType');
  if (!Number.isInteger(model.nIn) || model.nIn < 1) throw new DomainError('model.nIn', model.nIn, 'a positive integer');
  const layers: Layer[] = [];
  let n = model.nIn;
  let curType = inputType;
  model.layers.forEach((fl, idx) => {
    const field = `layers[${idx}] '${(fl as { name?: string }).name ?? '?'}'`;
    switch (fl.kind) {
      case 'dense':
      case 'batchnorm': {
        let weights: number[][];
        let bias: number[];
        if (fl.kind === 'dense') {
          weights = fl.weights;
          bias = fl.bias;
          if (weights.length !== n) throw new DiffhepError(`${field}: kernel has ${weights.length} input rows, the previous layer gives ${n}`, field);
        } else {
          if (fl.gamma.length !== n) throw new DiffhepError(`${field}: batch norm has ${fl.gamma.length} channels, the previous layer gives ${n}`, field);
          const scale = fl.gamma.map((g, i) => g / Math.sqrt(fl.variance[i] + fl.epsilon));
          weights = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? scale[i] : 0)));
          bias = fl.beta.map((b, i) => b - fl.mean[i] * scale[i]);
        }
        const nOut = bias.length;
        weights.forEach((row, i) => {
          if (row.length !== nOut) throw new DiffhepError(`${field}: kernel row ${i} has ${row.length} columns, bias has ${nOut}`, field);
          row.forEach((w, j) => {
            if (!Number.isFinite(w)) throw new NonFiniteError(`${fl.name}.weights[${i}][${j}]`, w, `weight of layer '${fl.name}'`);
          });
        });
        bias.forEach((b, j) => {
          if (!Number.isFinite(b)) throw new NonFiniteError(`${fl.name}.bias[${j}]`, b, `bias of layer '${fl.name}'`);
        });
        const d = fl.kind === 'dense' ? fl : { weightType: undefined, biasType: undefined, accumType: undefined, resultType: fl.resultType };
        const weightType = toType(d.weightType, dflt, `${fl.name}.weightType`);
        const biasType = toType(d.biasType, dflt, `${fl.name}.biasType`);
        const quantW = weights.map((row) => row.map((w) => fromNumber(w, weightType)));
        const quantB = bias.map((b) => fromNumber(b, biasType));
        const accumType =
          d.accumType === undefined ? exactAccumType(quantW, quantB, curType, weightType, biasType, fl.name) : toType(d.accumType, dflt, `${fl.name}.accumType`);
        const resultType = toType(d.resultType, dflt, `${fl.name}.resultType`);
        if (accumType.overflow !== 'WRAP' || !accumType.signed) {
          throw new DomainError(`${fl.name}.accumType`, formatFixed(accumType), 'the accumulator must be a signed WRAP type (order-independent sums)');
        }
        layers.push({
          kind: 'dense',
          name: fl.name,
          nIn: n,
          nOut,
          weights: quantW,
          bias: quantB,
          weightType,
          biasType,
          accumType,
          resultType,
        });
        n = nOut;
        curType = resultType;
        break;
      }
      case 'relu':
        layers.push({ kind: 'relu', name: fl.name, n, resultType: toType(fl.resultType, dflt, `${fl.name}.resultType`) });
        curType = layers[layers.length - 1].resultType;
        break;
      case 'softmax': {
        if (idx !== model.layers.length - 1) throw new DiffhepError(`${field}: softmax is supported only as the last layer`, field);
        const b = indexBits(n);
        layers.push({ kind: 'argmax', name: fl.name, n, resultType: fixedType(b, b, { signed: false }) });
        break;
      }
      default:
        throw new DiffhepError(`${field}: unsupported layer kind '${(fl as { kind: string }).kind}' (supported: dense, relu, softmax, batchnorm)`, field);
    }
  });
  return { name: model.name, nIn: model.nIn, inputType, layers };
}

/** JSON form of the IR (BigInts as decimal strings), and back. */
export function irToJson(m: ModelIR): unknown {
  return JSON.parse(JSON.stringify(m, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}
export function irFromJson(j: unknown): ModelIR {
  const m = j as ModelIR;
  return {
    ...m,
    layers: m.layers.map((l) =>
      l.kind === 'dense'
        ? { ...l, weights: l.weights.map((r) => r.map((w) => BigInt(w as unknown as string))), bias: l.bias.map((b) => BigInt(b as unknown as string)) }
        : l,
    ),
  };
}

/** Per-layer precision overrides of `irFromMlp` (strings as `parseFixed` reads them). */
export interface LayerPrecision {
  weight?: FixedType | string;
  bias?: FixedType | string;
  accum?: FixedType | string;
  result?: FixedType | string;
  /** Result type of the ReLU after this dense layer. */
  relu?: FixedType | string;
}

/** Precision spec of `irFromMlp`: a model default, the input type and optional per-layer overrides. */
export interface PrecisionSpec {
  default?: FixedType | string;
  input?: FixedType | string;
  /** Overrides for dense layer i (`fc${i}`). */
  layers?: LayerPrecision[];
}

/**
 * Builds the IR from an `nn` MLP parameter tree `{ layers: [{ w: [in][out], b: [out] }] }`
 * (nested arrays, or the flat arrays of `ParamSet.values()`): ReLU after every
 * hidden dense layer, and a linear output or, with `output: 'softmax-argmax'`,
 * an argmax (the hardware form of a final softmax).
 *
 * @example
 * ```ts
 * const ps = new ParamSet(mlpInit(prngKey(0), [4, 6, 3]));
 * const ir = irFromMlp(ps.values(), { default: 'ap_fixed<16,6>', layers: [{ weight: 'ap_fixed<8,2>' }] });
 * ```
 */
export function irFromMlp(
  params: unknown,
  spec: PrecisionSpec = {},
  opts: { name?: string; output?: 'linear' | 'softmax-argmax' } = {},
): ModelIR {
  const layersIn = (params as { layers?: unknown })?.layers;
  if (!Array.isArray(layersIn) || layersIn.length === 0) {
    throw new DiffhepError("params.layers: MLP parameters must be { layers: [{ w: [in][out], b: [out] }, ...] } with at least one layer", 'params.layers');
  }
  const floatLayers: FloatLayer[] = [];
  let nIn = 0;
  layersIn.forEach((l, i) => {
    const { w, b } = (l ?? {}) as { w?: unknown; b?: unknown };
    const name = `fc${i}`;
    if (!Array.isArray(b) || b.some((v) => typeof v !== 'number')) throw new DiffhepError(`layer ${i} '${name}': b must be a number array`, `params.layers[${i}].b`);
    if (!Array.isArray(w) || w.length === 0) throw new DiffhepError(`layer ${i} '${name}': w must be a [in][out] array`, `params.layers[${i}].w`);
    let rows: number[][];
    if (Array.isArray(w[0])) rows = w as number[][];
    else {
      if (w.length % b.length !== 0) throw new DiffhepError(`layer ${i} '${name}': flat w has ${w.length} entries, not a multiple of ${b.length} outputs`, `params.layers[${i}].w`);
      rows = Array.from({ length: w.length / b.length }, (_, r) => (w as number[]).slice(r * b.length, (r + 1) * b.length));
    }
    if (i === 0) nIn = rows.length;
    const p = spec.layers?.[i] ?? {};
    floatLayers.push({ kind: 'dense', name, weights: rows, bias: b as number[], weightType: p.weight, biasType: p.bias, accumType: p.accum, resultType: p.result });
    if (i < layersIn.length - 1) floatLayers.push({ kind: 'relu', name: `relu${i}`, resultType: p.relu });
  });
  if (opts.output === 'softmax-argmax') floatLayers.push({ kind: 'softmax', name: 'softmax' });
  return quantizeModel({ name: opts.name ?? 'mlp', nIn, layers: floatLayers }, { precision: spec.default, inputType: spec.input });
}
