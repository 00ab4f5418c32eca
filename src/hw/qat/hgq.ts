/**
 * Trainable heterogeneous bit widths after HGQ (Sun et al., "High Granularity
 * Quantization for Ultra-Fast Machine Learning Applications on FPGAs",
 * arXiv:2405.00645).
 *
 * Granularity: one fractional-bit parameter f per weight (per-weight bit
 * widths), one per layer for the activations (the layer's result and ReLU
 * output) and the bias, which shares the layer's activation f as in HGQ.
 * Weight f may go negative (steps coarser than 1, down to `fracBitsBounds[0]`);
 * activation f stays >= 0 (the exported types have F >= 0).
 *
 * Quantizer: q(x) = floor(x · 2^f̂ + 1/2) / 2^f̂ with f̂ = round(f) (round to
 * nearest, ties up: the `RND` mode), no saturation during training.
 * Gradients: ∂q/∂x = 1 (straight-through); ∂q/∂f = −ln 2 · (q(x) − x), HGQ's
 * surrogate: the rounding error δ = q(x) − x scales as 2^−f, so it is
 * differentiated as if δ(f) = δ · 2^−(f − f̂), i.e. ∂δ/∂f = −ln 2 · δ, with
 * the rounding of f itself passed straight through.
 *
 * Integer bits are not trained: for a weight, i = ⌊log2 |q(w)|⌋ + 1 (its
 * magnitude bits); for activations, the same of the largest |value| (the
 * range tracked on the batch in training, on the calibration set at export).
 *
 * Resource penalty: β · EBOPs, with (HGQ's effective bit operations)
 * EBOPs = Σ_layers Σ_ij b_in(i) · b_w(ij), b_w = max(0, i + f̂) for a non-zero
 * quantized weight and 0 for a zero one (a multiplier-free shift-add of a
 * constant costs roughly its bits times the input's bits); b_in is the input
 * type's width for the first layer and max(0, i + f̂) of the previous layer's
 * ReLU output after. The f̂ inside b is rounded with a straight-through
 * gradient, so ∂EBOPs/∂f_ij = b_in(i) where the weight is non-zero.
 *
 * Export: the IR has per-layer types, so a layer's weight type takes the
 * largest f̂ and the integer bits covering every quantized weight; each
 * weight, already on its own coarser 2^−f̂ij grid, has its low bits zero in
 * that type, which the shift-add Verilog (canonical signed digits) drops.
 *
 * @example
 * ```ts
 * const r = trainClassifier({ sizes: [8, 16, 3], x, y, epochs: 20, batchSize: 64, learningRate: 0.01, seed: 1, hgq: { initFracBits: 6, beta: 1e-5 } });
 * r.ebops; r.quant; // per-layer types covering the per-weight widths
 * ```
 */
import { DiffhepError, DomainError, param, stopGradient, tf, type ParamDefTree, type Tensor, type Tree } from '../../autodiff/index.js';
import { fixedType, type FixedType } from '../fixed/ap-fixed.js';
import type { LayerQuant, MlpValues } from './qat-mlp.js';
import { integerBitsFor } from './profile.js';

const LN2 = Math.LN2;

/** Options of HGQ training. */
export interface HgqOptions {
  /** Initial fractional bits of every weight and activation. */
  initFracBits: number;
  /** Weight β of the EBOPs penalty in the loss. */
  beta: number;
  /** Bounds of the trainable f. Default [-8, 16]. */
  fracBitsBounds?: [number, number];
  /**
   * How the optimizer sees f. `identity` (default): f itself, so Adam moves
   * each f by at most about the learning rate per step, and a short
   * fine-tuning run cannot move the widths far whatever β is. `sigmoid`:
   * f = lo + (hi − lo) · σ(u) inside `fracBitsBounds`, the optimizer moving u,
   * so f moves up to (hi − lo)/4 times faster near the middle of the bounds
   * (6× for [-8, 16]) and slows towards them; initFracBits must then lie
   * strictly inside the bounds of the activations too, (0, hi).
   */
  transform?: 'identity' | 'sigmoid';
}

/** Trainable f of one layer: `f` per weight [in][out], `fa` for the activations and bias. */
export interface HgqLayerBits {
  f: number[][];
  fa: number;
}

/**
 * Validated options with defaults.
 *
 * @example
 * ```ts
 * checkHgq({ initFracBits: 6, beta: 1e-5 }).fracBitsBounds; // [-8, 16]
 * ```
 */
export function checkHgq(h: HgqOptions): Required<HgqOptions> {
  if (!h || typeof h !== 'object') throw new DomainError('hgq', h, '{ initFracBits, beta, fracBitsBounds? }');
  const bounds = h.fracBitsBounds ?? [-8, 16];
  if (!(Array.isArray(bounds) && bounds.length === 2 && Number.isInteger(bounds[0]) && Number.isInteger(bounds[1]) && bounds[0] < bounds[1] && bounds[1] >= 1 && bounds[1] <= 24)) {
    throw new DomainError('hgq.fracBitsBounds', bounds, 'integers [lo, hi] with lo < hi, 1 <= hi <= 24 (float32 significand)');
  }
  if (!(Number.isFinite(h.initFracBits) && h.initFracBits > bounds[0] && h.initFracBits < bounds[1])) {
    throw new DomainError('hgq.initFracBits', h.initFracBits, `a number inside fracBitsBounds (${bounds[0]}, ${bounds[1]})`);
  }
  if (!(Number.isFinite(h.beta) && h.beta >= 0)) throw new DomainError('hgq.beta', h.beta, 'a finite number >= 0');
  const transform = h.transform ?? 'identity';
  if (transform !== 'identity' && transform !== 'sigmoid') throw new DomainError('hgq.transform', transform, "'identity' or 'sigmoid'");
  if (transform === 'sigmoid' && !(h.initFracBits > 0)) {
    throw new DomainError('hgq.initFracBits', h.initFracBits, 'a number > 0 with the sigmoid transform (the activations\' f lives in (0, hi))');
  }
  return { initFracBits: h.initFracBits, beta: h.beta, fracBitsBounds: bounds, transform };
}

/**
 * Parameter declarations of the fractional bits of an MLP with these layer sizes.
 *
 * @example
 * ```ts
 * const ps = new ParamSet({ layers: mlpDefs.layers, hgq: hgqParamDefs([4, 8, 3], { initFracBits: 6, beta: 1e-5 }) });
 * ```
 */
export function hgqParamDefs(sizes: number[], h: HgqOptions): ParamDefTree {
  const o = checkHgq(h);
  const opt = { bounds: o.fracBitsBounds, transform: o.transform, doc: 'fractional bits (HGQ)' };
  return {
    layers: sizes.slice(0, -1).map((n, i) => ({
      f: param(Array.from({ length: n }, () => new Array<number>(sizes[i + 1]).fill(o.initFracBits)), opt),
      // Activation (and bias) steps stay at or below 1: the exported types need F >= 0.
      fa: param(Math.max(0, o.initFracBits), { ...opt, bounds: [0, o.fracBitsBounds[1]] as [number, number] }),
    })),
  };
}

/** f rounded to the nearest integer, ties up (as `Math.round`, the same rule at export). */
function roundHalfUp(f: Tensor): Tensor {
  return tf.floor(tf.add(f, 0.5));
}

/** round(f) in the forward pass, the identity in the backward pass. */
function roundSte(f: Tensor): Tensor {
  return tf.add(f, stopGradient(tf.sub(roundHalfUp(f), f)));
}

/**
 * HGQ's quantizer: floor(x·2^round(f) + 1/2) / 2^round(f), gradient 1 for x
 * and −ln 2 · (q − x) for f (broadcast f is reduced by the autodiff).
 *
 * @example
 * ```ts
 * hgqQuantize(tf.tensor1d([0.3, -0.7]), tf.scalar(2.2)); // [0.25, -0.75]
 * ```
 */
export function hgqQuantize(x: Tensor, f: Tensor): Tensor {
  return tf.tidy(() => {
    const scale = tf.pow(2, roundHalfUp(stopGradient(f)));
    const q = tf.div(tf.floor(tf.add(tf.mul(stopGradient(x), scale), 0.5)), scale);
    const delta = stopGradient(tf.sub(q, x));
    // value x + δ; the f-term is zero in value and carries ∂/∂f = −ln2·δ.
    const prod = tf.mul(tf.mul(delta, f), LN2);
    return tf.add(tf.add(x, delta), tf.sub(stopGradient(prod), prod));
  });
}

/** ⌊log2 |v|⌋ + 1 where v ≠ 0 (magnitude bits), 0 elsewhere; no gradient. */
function magnitudeIntBits(v: Tensor): Tensor {
  return tf.tidy(() => {
    const a = tf.abs(stopGradient(v));
    const nz = tf.greater(a, 0);
    const safe = tf.where(nz, a, tf.onesLike(a));
    // floor(log2 a) from the float32 logarithm, corrected by one where it misses an exact power of two.
    const e0 = tf.floor(tf.div(tf.log(safe), LN2));
    const p = tf.pow(2, e0);
    const e = tf.add(tf.sub(e0, tf.cast(tf.greater(p, safe), 'float32')), tf.cast(tf.lessEqual(tf.mul(p, 2), safe), 'float32'));
    return tf.where(nz, tf.add(e, 1), tf.zerosLike(a));
  });
}

/** Forward result of `hgqForward`. */
export interface HgqForward {
  logits: Tensor;
  /** EBOPs (differentiable in the f's). */
  ebops: Tensor;
}

/**
 * The HGQ MLP forward pass: inputs cast to `inputType` (straight-through),
 * per-weight quantized weights, biases and layer outputs quantized with the
 * layer's activation f, ReLU hidden layers, linear logits; and the EBOPs.
 *
 * @example
 * ```ts
 * const { logits, ebops } = hgqForward(p, (p as { hgq: Tree<Tensor> }).hgq, xBatch, { inputType, inputCast: (t) => fakeQuant(t, inputType) });
 * ```
 */
export function hgqForward(
  params: Tree<Tensor>,
  bits: Tree<Tensor>,
  x: Tensor,
  opts: { inputType: FixedType; inputCast: (x: Tensor) => Tensor; masks?: (Tensor | null | undefined)[] },
): HgqForward {
  const layers = (params as { layers: { w: Tensor; b: Tensor }[] }).layers;
  const bl = (bits as { layers?: { f: Tensor; fa: Tensor }[] }).layers;
  if (!Array.isArray(bl) || bl.length !== layers.length) throw new DiffhepError(`hgq bits: expected ${layers.length} layers`, 'hgq');
  return tf.tidy(() => {
    let h = opts.inputCast(x);
    let bIn: Tensor = tf.scalar(opts.inputType.width);
    const terms: Tensor[] = [];
    layers.forEach((l, i) => {
      const m = opts.masks?.[i];
      const w = m ? tf.mul(l.w, m) : l.w;
      const { f, fa } = bl[i];
      const wq = hgqQuantize(w, f);
      const bq = hgqQuantize(l.b, fa);
      const bw = tf.relu(tf.add(magnitudeIntBits(wq), roundSte(f)));
      const nz = tf.cast(tf.notEqual(stopGradient(wq), 0), 'float32');
      terms.push(tf.mul(bIn, tf.sum(tf.mul(bw, nz))));
      h = hgqQuantize(tf.add(tf.matMul(h, wq), bq), fa);
      if (i < layers.length - 1) {
        h = tf.relu(h);
        const iA = magnitudeIntBits(tf.max(h));
        bIn = tf.relu(tf.add(iA, roundSte(fa)));
      }
    });
    return { logits: h, ebops: tf.addN(terms) };
  });
}

/** What `hgqExport` returns. */
export interface HgqExport {
  /** Quantized weights and biases (each on its own grid; masked weights 0). */
  params: MlpValues;
  /** Per-layer types covering them (RND, SAT; ReLU outputs unsigned). */
  quant: LayerQuant[];
  /** Rounded fractional bits: per weight [in·out] row-major, and per layer for the activations. */
  fracBits: { weights: number[][]; activations: number[] };
  /** EBOPs of the exported network (bits from the exported values and types). */
  ebops: number;
  /** Mean bits per weight (zero weights count 0). */
  meanWeightBits: number;
}

function magBits(v: number): number {
  return v === 0 ? 0 : Math.floor(Math.log2(Math.abs(v))) + 1;
}

/** floor(x·2^f + 1/2)/2^f in float32 arithmetic (as the tensor quantizer). */
function quantizeRnd(x: number, f: number): number {
  const s = 2 ** f;
  return Math.floor(Math.fround(Math.fround(x) * s) + 0.5) / s;
}

/**
 * Freezes an HGQ-trained MLP into fixed per-layer types: weights and biases
 * quantized with their rounded f, result types with the layer's f̂ and the
 * integer bits of the largest |output| over the calibration inputs
 * (`layerMax`, from `hgqForward` on them), saturating outside it.
 *
 * @example
 * ```ts
 * const ex = hgqExport(values, bits, hgqLayerRanges(p, p.hgq, xCalib, { inputCast }), inputType);
 * irFromQat(ex.params, ex.quant, inputType);
 * ```
 */
export function hgqExport(values: MlpValues, bits: HgqLayerBits[], layerMax: { pre: number[]; post: number[] }, inputType: FixedType, masks?: (ArrayLike<number> | null | undefined)[]): HgqExport {
  const out: MlpValues = { layers: [] };
  const quant: LayerQuant[] = [];
  const fw: number[][] = [];
  const fa: number[] = [];
  let ebops = 0;
  let bitSum = 0;
  let nW = 0;
  let bIn = inputType.width;
  values.layers.forEach((l, li) => {
    const nOut = l.b.length;
    const fA = Math.max(0, Math.round(bits[li].fa));
    const m = masks?.[li];
    const flatF: number[] = [];
    let fMax = -Infinity;
    let wMin = 0;
    let wMax = 0;
    let layerBits = 0;
    const w = l.w.map((row, r) =>
      row.map((v, c) => {
        const f = Math.round(bits[li].f[r][c]);
        flatF.push(f);
        const q = m && m[r * nOut + c] === 0 ? 0 : quantizeRnd(v, f);
        if (q !== 0) {
          fMax = Math.max(fMax, f);
          wMin = Math.min(wMin, q);
          wMax = Math.max(wMax, q);
          layerBits += Math.max(0, magBits(q) + f);
        }
        return q;
      }),
    );
    const b = l.b.map((v) => quantizeRnd(v, fA));
    // The type's step is the finest weight step, and at most 1 (F >= 0); an all-zero layer gets F = 0.
    fMax = Number.isFinite(fMax) ? Math.max(0, fMax) : 0;
    const wI = integerBitsFor(wMin, wMax);
    const bI = integerBitsFor(Math.min(0, ...b), Math.max(0, ...b));
    const rI = integerBitsFor(-layerMaxAbs(layerMax.pre[li]), layerMaxAbs(layerMax.pre[li]));
    const width = (i: number, f: number, field: string) => {
      const wd = i + f;
      if (wd < 1 || wd > 64) throw new DomainError(field, wd, `a width in [1, 64] (integer bits ${i}, fractional bits ${f})`);
      return wd;
    };
    // At least one bit: an all-zero bias vector or a dead layer still gets a (1-bit) type.
    const t = (i: number, f: number, field: string, signed = true): FixedType => {
      const ii = Math.max(i, 1 - f);
      return fixedType(width(ii, f, field), ii, { signed, quant: 'RND', overflow: 'SAT' }, field);
    };
    const q: LayerQuant = {
      weight: t(wI, fMax, `layers[${li}].weightType`),
      bias: t(bI, fA, `layers[${li}].biasType`),
      result: t(rI, fA, `layers[${li}].resultType`),
    };
    if (li < values.layers.length - 1) {
      const aI = Math.max(magBits(layerMax.post[li]), 1 - fA, 0);
      q.relu = t(aI, fA, `layers[${li}].reluType`, false);
    }
    quant.push(q);
    out.layers.push({ w, b });
    fw.push(flatF);
    fa.push(fA);
    ebops += bIn * layerBits;
    bitSum += layerBits;
    nW += l.w.length * nOut;
    if (li < values.layers.length - 1) bIn = Math.max(0, magBits(layerMax.post[li]) + fA);
  });
  return { params: out, quant, fracBits: { weights: fw, activations: fa }, ebops, meanWeightBits: bitSum / nW };
}

function layerMaxAbs(v: number): number {
  return Math.max(Math.abs(v), 2 ** -30);
}

/**
 * Largest |pre-activation| and largest ReLU output per layer over a batch (`hgqForward` values).
 *
 * @example
 * ```ts
 * hgqLayerRanges(p, p.hgq, xCalib, { inputCast: (t) => fakeQuant(t, inputType) }); // { pre: [...], post: [...] }
 * ```
 */
export function hgqLayerRanges(
  params: Tree<Tensor>,
  bits: Tree<Tensor>,
  x: Tensor,
  opts: { inputCast: (x: Tensor) => Tensor; masks?: (Tensor | null | undefined)[] },
): { pre: number[]; post: number[] } {
  const layers = (params as { layers: { w: Tensor; b: Tensor }[] }).layers;
  const bl = (bits as { layers: { f: Tensor; fa: Tensor }[] }).layers;
  const pre: number[] = [];
  const post: number[] = [];
  tf.tidy(() => {
    let h = opts.inputCast(x);
    layers.forEach((l, i) => {
      const m = opts.masks?.[i];
      const w = m ? tf.mul(l.w, m) : l.w;
      const z = hgqQuantize(tf.add(tf.matMul(h, hgqQuantize(w, bl[i].f)), hgqQuantize(l.b, bl[i].fa)), bl[i].fa);
      pre.push(tf.max(tf.abs(z)).dataSync()[0]);
      if (i < layers.length - 1) {
        h = tf.relu(z);
        post.push(tf.max(h).dataSync()[0]);
      } else h = z;
    });
  });
  return { pre, post };
}

