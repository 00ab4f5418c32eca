/**
 * The `nn` MLP (ReLU hidden layers, linear logits) with fake quantization of
 * every quantity the hardware holds, for quantization-aware training: the
 * weights, the biases, the accumulator (pre-activation sum) and the results
 * (activations) of each layer, per-layer precision, straight-through
 * gradients (`fakeQuant`). With types matching the IR's, the float forward
 * pass computes the same numbers as the bit-exact emulator of the exported
 * network (`irFromQat` + `emulate`) as long as every intermediate fits in
 * float32's 24-bit significand (raw accumulator sums below 2^24).
 *
 * @example
 * ```ts
 * const q = uniformLayerQuant(2, { width: 6 });
 * const logits = qatMlpForward(paramSet.constantTree(), x, q, { inputType: 'ap_fixed<8,3,AP_RND,AP_SAT>' });
 * const ir = irFromQat(paramSet.values(), q, 'ap_fixed<8,3,AP_RND,AP_SAT>'); // same logits from emulate(ir, x)
 * ```
 */
import { DiffhepError, DomainError, ShapeMismatchError, tf, type Tensor, type Tree } from '../../autodiff/index.js';
import { fixedType, fracBits, type FixedType, formatFixed, parseFixed } from '../fixed/ap-fixed.js';
import { exactAccumType, irFromMlp, type FloatModel, type FloatLayer, type ModelIR } from '../ir.js';
import { fakeQuant } from './fake-quant.js';

/** Precision of one dense layer of the MLP (strings as `parseFixed` reads them). */
export interface LayerQuant {
  weight: FixedType | string;
  bias: FixedType | string;
  /**
   * The accumulator: a signed WRAP type (as the IR requires). Omitted: the
   * overflow-free exact accumulator, i.e. no rounding or wrapping of the sum.
   */
  accum?: FixedType | string;
  /** The dense layer's output (pre-activation for hidden layers, the logits for the last). */
  result: FixedType | string;
  /** The ReLU output of a hidden layer. Omitted: the result type (the ReLU then only clears negatives). */
  relu?: FixedType | string;
}

/** A `LayerQuant` with parsed types. */
export interface ResolvedLayerQuant {
  weight: FixedType;
  bias: FixedType;
  accum?: FixedType;
  result: FixedType;
  relu: FixedType;
}

/**
 * Parses a type given as a string or validates a `FixedType`; `field` names it in errors.
 *
 * @example
 * ```ts
 * asFixedType('ap_fixed<8,3,AP_RND,AP_SAT>', 'inputType'); // { signed: true, width: 8, integer: 3, quant: 'RND', overflow: 'SAT' }
 * ```
 */
export function asFixedType(t: FixedType | string, field: string): FixedType {
  if (typeof t === 'string') return parseFixed(t, field);
  if (!t || typeof t !== 'object') throw new DomainError(field, t, "a fixed-point type or a string 'ap_fixed<W,I,Q,O>'");
  return fixedType(t.width, t.integer, t, field);
}

/**
 * Parses and checks one `LayerQuant` per dense layer (errors name `quant[i].field`).
 *
 * @example
 * ```ts
 * resolveLayerQuant([{ weight: 'ap_fixed<6,1>', bias: 'ap_fixed<6,2>', result: 'ap_fixed<8,4>' }], 1)[0].relu; // the result type
 * ```
 */
export function resolveLayerQuant(q: LayerQuant[], nLayers: number): ResolvedLayerQuant[] {
  if (!Array.isArray(q) || q.length !== nLayers) {
    throw new DomainError('quant', Array.isArray(q) ? `${q.length} entries` : q, `one LayerQuant per dense layer (${nLayers})`);
  }
  return q.map((l, i) => {
    const f = `quant[${i}]`;
    if (!l || typeof l !== 'object') throw new DomainError(f, l, 'a LayerQuant { weight, bias, accum?, result, relu? }');
    for (const k of ['weight', 'bias', 'result'] as const) if (l[k] === undefined) throw new DomainError(`${f}.${k}`, undefined, 'a fixed-point type');
    const result = asFixedType(l.result, `${f}.result`);
    const accum = l.accum === undefined ? undefined : asFixedType(l.accum, `${f}.accum`);
    if (accum && (accum.overflow !== 'WRAP' || !accum.signed)) {
      throw new DomainError(`${f}.accum`, formatFixed(accum), 'the accumulator must be a signed WRAP type (order-independent sums)');
    }
    return {
      weight: asFixedType(l.weight, `${f}.weight`),
      bias: asFixedType(l.bias, `${f}.bias`),
      accum,
      result,
      relu: l.relu === undefined ? result : asFixedType(l.relu, `${f}.relu`),
    };
  });
}

/**
 * The same precision for every layer: `width`-bit weights and biases with
 * `weightInteger` / `biasInteger` integer bits (sign included), results with
 * `resultInteger` integer bits; round-to-nearest (RND) and saturation (SAT)
 * everywhere, exact accumulators.
 *
 * @example
 * ```ts
 * uniformLayerQuant(3, { width: 4 }); // ap_fixed<4,1,AP_RND,AP_SAT> weights, ap_fixed<4,3,...> results
 * ```
 */
export function uniformLayerQuant(
  nLayers: number,
  opts: { width: number; weightInteger?: number; biasInteger?: number; resultInteger?: number },
): LayerQuant[] {
  if (!(Number.isInteger(nLayers) && nLayers > 0)) throw new DomainError('nLayers', nLayers, 'a positive integer');
  const w = opts.width;
  const mk = (i: number, field: string) => fixedType(w, i, { quant: 'RND', overflow: 'SAT' }, field);
  const layer: LayerQuant = {
    weight: mk(opts.weightInteger ?? 1, 'weightInteger'),
    bias: mk(opts.biasInteger ?? Math.min(w, 2), 'biasInteger'),
    result: mk(opts.resultInteger ?? Math.min(w, 3), 'resultInteger'),
  };
  return Array.from({ length: nLayers }, () => ({ ...layer }));
}

/** Options of `qatMlpForward`. */
export interface QatForwardOptions {
  /** Type the inputs are cast to first (as the hardware's input port). Omitted: inputs are used as given. */
  inputType?: FixedType | string;
  /** Per dense layer, a 0/1 mask [in, out] multiplied into the weights (pruning). */
  masks?: (Tensor | null | undefined)[];
}

function layerParams(params: Tree<Tensor>): { w: Tensor; b: Tensor }[] {
  const layers = (params as { layers?: unknown })?.layers;
  if (!Array.isArray(layers) || layers.length === 0) throw new DiffhepError('params.layers: MLP parameters must be { layers: [{ w, b }, ...] }', 'params.layers');
  return layers.map((l, i) => {
    const { w, b } = (l ?? {}) as { w?: Tensor; b?: Tensor };
    if (!(w instanceof tf.Tensor) || !(b instanceof tf.Tensor) || w.rank !== 2 || b.rank !== 1 || w.shape[1] !== b.shape[0]) {
      throw new DiffhepError(`params.layers[${i}]: expected tensors w [in, out] and b [out]`, `params.layers[${i}]`);
    }
    return { w, b };
  });
}

/**
 * One dense layer's sum with the IR's accumulator semantics: with no
 * accumulator type, the exact sum; with one whose fractional bits hold every
 * product (F_acc >= F_x + F_w), the exact sum wrapped into it; otherwise each
 * product and the bias are cast to it before summing (then wrapped).
 */
function accumulate(x: Tensor, w: Tensor, b: Tensor, accum: FixedType | undefined, xFrac: number | undefined, wT: FixedType | undefined): Tensor {
  if (!accum) return tf.add(tf.matMul(x, w), b);
  const fa = fracBits(accum);
  const perProductExact = xFrac !== undefined && wT !== undefined && fa >= xFrac + fracBits(wT);
  if (perProductExact) return fakeQuant(tf.add(tf.matMul(x, w), fakeQuant(b, accum)), accum);
  // [batch, in, 1] * [1, in, out]: each product cast to the accumulator.
  const prods = fakeQuant(tf.mul(tf.expandDims(x, 2), tf.expandDims(w, 0)), accum);
  return fakeQuant(tf.add(tf.sum(prods, 1), fakeQuant(b, accum)), accum);
}

/**
 * Logits [batch, nOut] of the MLP on x [batch, nIn], fake-quantized by `q`
 * (one `LayerQuant` per dense layer) or in float (`'float'`). Differentiable
 * (straight-through gradients); call it inside the differentiated loss.
 * Without an input type, the input is taken as exact (then an explicit
 * accumulator casts every product, as the IR would for an unknown grid).
 *
 * @example
 * ```ts
 * const logits = qatMlpForward(ps.constantTree(), tf.zeros([8, 4]), uniformLayerQuant(2, { width: 6 }), { inputType: 'ap_fixed<8,3>' }); // [8, 3]
 * ```
 */
export function qatMlpForward(params: Tree<Tensor>, x: Tensor, q: LayerQuant[] | ResolvedLayerQuant[] | 'float', opts: QatForwardOptions = {}): Tensor {
  const layers = layerParams(params);
  if (x.rank !== 2 || x.shape[1] !== layers[0].w.shape[0]) throw new ShapeMismatchError('x', [-1, layers[0].w.shape[0] as number], x.shape);
  const rq = q === 'float' ? null : resolveLayerQuant(q as LayerQuant[], layers.length);
  const inT = opts.inputType === undefined ? undefined : asFixedType(opts.inputType, 'inputType');
  if (opts.masks && opts.masks.length !== layers.length) throw new DomainError('masks', opts.masks.length, `one mask (or null) per dense layer (${layers.length})`);
  return tf.tidy(() => {
    let h = inT && rq ? fakeQuant(x, inT) : x;
    let hFrac = inT && rq ? fracBits(inT) : undefined;
    layers.forEach((l, i) => {
      const m = opts.masks?.[i];
      let w = m ? tf.mul(l.w, m) : l.w;
      let b = l.b;
      const last = i === layers.length - 1;
      if (!rq) {
        h = tf.add(tf.matMul(h, w), b);
        if (!last) h = tf.relu(h);
        return;
      }
      const t = rq[i];
      w = fakeQuant(w, t.weight);
      b = fakeQuant(b, t.bias);
      h = fakeQuant(accumulate(h, w, b, t.accum, hFrac, t.weight), t.result);
      hFrac = fracBits(t.result);
      if (!last) {
        h = fakeQuant(tf.relu(h), t.relu);
        hFrac = fracBits(t.relu);
      }
    });
    return h;
  });
}

/** Plain (number) MLP parameters `{ layers: [{ w: [in][out], b: [out] }] }`. */
export interface MlpValues {
  layers: { w: number[][]; b: number[] }[];
}

function plainLayers(params: unknown): { w: number[][]; b: number[] }[] {
  const layers = (params as { layers?: unknown })?.layers;
  if (!Array.isArray(layers) || layers.length === 0) throw new DiffhepError('params.layers: MLP parameters must be { layers: [{ w, b }, ...] }', 'params.layers');
  return layers.map((l, i) => {
    const { w, b } = (l ?? {}) as { w?: unknown; b?: unknown };
    if (!Array.isArray(b)) throw new DiffhepError(`params.layers[${i}].b must be a number array`, `params.layers[${i}].b`);
    if (!Array.isArray(w) || w.length === 0) throw new DiffhepError(`params.layers[${i}].w must be a [in][out] array`, `params.layers[${i}].w`);
    const rows = Array.isArray(w[0])
      ? (w as number[][])
      : Array.from({ length: w.length / b.length }, (_, r) => (w as number[]).slice(r * b.length, (r + 1) * b.length));
    return { w: rows, b: b as number[] };
  });
}

/**
 * Plain MLP values with each weight multiplied by its mask (0/1 arrays
 * [in·out] per layer, row-major), so pruned weights are exactly zero.
 *
 * @example
 * ```ts
 * applyMasks({ layers: [{ w: [1, 2, 3, 4], b: [0, 0] }] }, [[1, 0, 0, 1]]); // { layers: [{ w: [[1, 0], [0, 4]], b: [0, 0] }] }
 * ```
 */
export function applyMasks(params: unknown, masks?: (ArrayLike<number> | null | undefined)[]): MlpValues {
  const layers = plainLayers(params);
  return {
    layers: layers.map((l, i) => {
      const m = masks?.[i];
      const nOut = l.b.length;
      if (m && m.length !== l.w.length * nOut) throw new ShapeMismatchError(`masks[${i}]`, [l.w.length * nOut], [m.length]);
      return { w: l.w.map((row, r) => row.map((v, c) => (m && m[r * nOut + c] === 0 ? 0 : v))), b: l.b.slice() };
    }),
  };
}

/**
 * The IR of a QAT-trained MLP: `irFromMlp` with each layer's weight, bias,
 * accumulator, result and ReLU types from `q` and the input type, so the
 * exported network computes what `qatMlpForward` computed. Masked weights
 * (pruning) are exactly zero (no logic in the Verilog).
 *
 * @example
 * ```ts
 * const r = trainClassifier({ sizes: [4, 8, 3], x, y, epochs: 5, batchSize: 32, learningRate: 0.01, seed: 1, quant: uniformLayerQuant(2, { width: 6 }) });
 * const ir = irFromQat(r.params, r.quant, r.inputType, { masks: r.masks });
 * ```
 */
export function irFromQat(
  params: unknown,
  q: LayerQuant[],
  inputType: FixedType | string,
  opts: { name?: string; output?: 'linear' | 'softmax-argmax'; masks?: (ArrayLike<number> | null | undefined)[] } = {},
): ModelIR {
  const vals = applyMasks(params, opts.masks);
  const rq = resolveLayerQuant(q, vals.layers.length);
  return irFromMlp(
    vals,
    { input: asFixedType(inputType, 'inputType'), layers: rq.map((t) => ({ weight: t.weight, bias: t.bias, accum: t.accum, result: t.result, relu: t.relu })) },
    { name: opts.name ?? 'qat_mlp', output: opts.output },
  );
}

/**
 * The float model (`quantizeModel`'s input) of MLP values, for range
 * profiling and post-training quantization (`profileRanges`, `ptqModel`):
 * dense `fc{i}` layers with a ReLU `relu{i}` after each hidden one.
 *
 * @example
 * ```ts
 * const fm = mlpFloatModel(r.params); // fc0, relu0, fc1
 * profileRanges(fm, xCalib);
 * ```
 */
export function mlpFloatModel(params: unknown, name = 'mlp'): FloatModel {
  const layers = plainLayers(params);
  const out: FloatLayer[] = [];
  layers.forEach((l, i) => {
    out.push({ kind: 'dense', name: `fc${i}`, weights: l.w, bias: l.b });
    if (i < layers.length - 1) out.push({ kind: 'relu', name: `relu${i}` });
  });
  return { name, nIn: layers[0].w.length, layers: out };
}

/**
 * The per-layer types of a float MLP model whose dense and ReLU layers carry
 * types (as `ptqModel` returns them), as `LayerQuant`s: QAT then trains with
 * exactly the precision post-training quantization chose.
 *
 * @example
 * ```ts
 * const fm = mlpFloatModel(floatParams);
 * const q = layerQuantOf(ptqModel(fm, profileRanges(fm, xCalib), { width: 4 }));
 * ```
 */
export function layerQuantOf(model: FloatModel): LayerQuant[] {
  const out: LayerQuant[] = [];
  model.layers.forEach((l, k) => {
    if (l.kind === 'dense') {
      const f = `layers[${k}] '${l.name}'`;
      if (l.weightType === undefined || l.biasType === undefined || l.resultType === undefined) {
        throw new DiffhepError(`${f}: dense layer without weight, bias and result types`, `${f}`);
      }
      out.push({ weight: l.weightType, bias: l.biasType, accum: l.accumType, result: l.resultType });
    } else if (l.kind === 'relu') {
      if (out.length === 0) throw new DiffhepError(`layers[${k}] '${l.name}': a ReLU before any dense layer`, `layers[${k}]`);
      if (l.resultType !== undefined) out[out.length - 1].relu = l.resultType;
    } else throw new DiffhepError(`layers[${k}] '${l.name}': only dense and ReLU layers map to LayerQuant, got ${l.kind}`, `layers[${k}]`);
  });
  return out;
}

/** Largest raw integer magnitude float32 holds exactly (its significand). */
const FLOAT32_EXACT_BITS = 24;

/**
 * Whether `qatMlpForward` computes the emulator's numbers exactly for this IR
 * (built by `irFromQat`): every product, partial sum and cast it forms in
 * float32 must be an integer multiple of its step below 2^24. Per dense layer
 * (bounds from the quantized weights and the worst-case input, as
 * `exactAccumType`): with an accumulator that holds every product, the
 * largest |sum| at the accumulator's step must be below 2^24; with a coarser
 * one, each product (W_x + W_w bits) and the sum of nIn + 1 wrapped terms
 * must be. When false, the float forward pass may differ from the emulator by
 * float32 rounding (training is unaffected; export and emulate to be exact).
 *
 * @example
 * ```ts
 * qatForwardIsExact(irFromQat(r.params, r.quant, r.inputType)); // true for 8-bit types on a small net
 * ```
 */
export function qatForwardIsExact(ir: ModelIR): boolean {
  let inT = ir.inputType;
  for (const l of ir.layers) {
    if (l.kind === 'dense') {
      const fx = fracBits(inT);
      const fw = fracBits(l.weightType);
      const fa = fracBits(l.accumType);
      if (fa >= fx + fw) {
        const exact = exactAccumType(l.weights, l.bias, inT, l.weightType, l.biasType, l.name);
        // |sum| < 2^(W_e - 1) at step 2^-F_e; at the accumulator's step that is W_e - 1 + (F_acc - F_e) bits.
        const bits = exact.width - 1 + Math.max(0, fa - fracBits(exact));
        if (bits > FLOAT32_EXACT_BITS) return false;
      } else {
        if (inT.width + l.weightType.width - 2 > FLOAT32_EXACT_BITS) return false;
        if (Math.log2(l.nIn + 1) + l.accumType.width - 1 > FLOAT32_EXACT_BITS) return false;
      }
      for (const t of [l.resultType, l.weightType, l.biasType]) if (t.width > FLOAT32_EXACT_BITS) return false;
    } else if (l.kind === 'relu' && l.resultType.width > FLOAT32_EXACT_BITS) return false;
    if (l.kind !== 'argmax') inT = l.resultType;
  }
  return true;
}
