/**
 * Post-training quantization with range profiling: run the float network on
 * calibration inputs, record each layer's output range and how many values
 * fall outside a given fixed-point type, and choose per-layer types whose
 * integer bits cover the observed range (as hls4ml's numerical profiling
 * guides its precision choices).
 *
 * @example
 * ```ts
 * const prof = profileRanges(model, xCalib);
 * const ir = quantizeModel(ptqModel(model, prof, { width: 10 }), { precision: 'ap_fixed<10,4>' });
 * ```
 */
import { DomainError, ShapeMismatchError } from '../../autodiff/index.js';
import { fixedType, type FixedType, typeRange } from '../fixed/ap-fixed.js';
import type { FloatLayer, FloatModel } from '../ir.js';

export interface LayerRange {
  name: string;
  kind: FloatLayer['kind'];
  /** Smallest and largest output value seen (the weights' range for `weights`). */
  min: number;
  max: number;
  weightMin?: number;
  weightMax?: number;
  /** Values outside `type`'s range, when a type was given. */
  overflows: number;
  count: number;
}

function forwardLayer(l: FloatLayer, v: number[]): number[] {
  switch (l.kind) {
    case 'dense':
      return l.bias.map((b, j) => v.reduce((s, x, i) => s + x * l.weights[i][j], b));
    case 'relu':
      return v.map((a) => Math.max(a, 0));
    case 'batchnorm':
      return v.map((a, i) => ((a - l.mean[i]) / Math.sqrt(l.variance[i] + l.epsilon)) * l.gamma[i] + l.beta[i]);
    case 'softmax': {
      const m = Math.max(...v);
      const e = v.map((a) => Math.exp(a - m));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((a) => a / s);
    }
  }
}

/**
 * Per-layer output ranges of the float model on inputs `x`, and the number of
 * values outside `type` (e.g. the model-wide default precision).
 */
export function profileRanges(model: FloatModel, x: number[][], type?: FixedType): LayerRange[] {
  const prof: LayerRange[] = model.layers.map((l) => ({ name: l.name, kind: l.kind, min: Infinity, max: -Infinity, overflows: 0, count: 0 }));
  model.layers.forEach((l, k) => {
    if (l.kind === 'dense') {
      const w = l.weights.flat();
      prof[k].weightMin = Math.min(...w);
      prof[k].weightMax = Math.max(...w);
    }
  });
  const r = type ? typeRange(type) : undefined;
  x.forEach((row, e) => {
    if (row.length !== model.nIn) throw new ShapeMismatchError(`x[${e}]`, [model.nIn], [row.length]);
    let v = row;
    model.layers.forEach((l, k) => {
      v = forwardLayer(l, v);
      const p = prof[k];
      for (const a of v) {
        if (a < p.min) p.min = a;
        if (a > p.max) p.max = a;
        if (r && l.kind !== 'softmax' && (a < r.min || a > r.max)) p.overflows++;
        p.count++;
      }
    });
  });
  return prof;
}

/** Integer bits (sign included) of a signed type holding [min, max]. */
export function integerBitsFor(min: number, max: number): number {
  const m = Math.max(Math.abs(min), Math.abs(max), 2 ** -30);
  return Math.max(1, Math.floor(Math.log2(m)) + 2);
}

/**
 * The float model with per-layer types of `width` bits chosen from the
 * profile: each dense layer's weights, biases and result, and each ReLU's
 * result, get just enough integer bits for the observed range (RND, SAT
 * results; RND weights). `width` must be at least 2.
 */
export function ptqModel(model: FloatModel, prof: LayerRange[], opts: { width: number; weightWidth?: number }): FloatModel {
  const w = opts.width;
  const ww = opts.weightWidth ?? w;
  if (!Number.isInteger(w) || w < 2 || w > 64) throw new DomainError('width', w, 'an integer in [2, 64]');
  if (!Number.isInteger(ww) || ww < 2 || ww > 64) throw new DomainError('weightWidth', ww, 'an integer in [2, 64]');
  if (prof.length !== model.layers.length) throw new DomainError('profile', prof.length, `one entry per layer (${model.layers.length})`);
  const layers = model.layers.map((l, k): FloatLayer => {
    const p = prof[k];
    const res = fixedType(w, Math.min(w, integerBitsFor(p.min, p.max)), { quant: 'RND', overflow: 'SAT' }, `${l.name}.resultType`);
    if (l.kind === 'dense') {
      const bmin = Math.min(...l.bias);
      const bmax = Math.max(...l.bias);
      return {
        ...l,
        weightType: fixedType(ww, Math.min(ww, integerBitsFor(p.weightMin ?? 0, p.weightMax ?? 0)), { quant: 'RND', overflow: 'SAT' }, `${l.name}.weightType`),
        biasType: fixedType(w, Math.min(w, integerBitsFor(bmin, bmax)), { quant: 'RND', overflow: 'SAT' }, `${l.name}.biasType`),
        resultType: res,
      };
    }
    if (l.kind === 'relu') return { ...l, resultType: fixedType(w, Math.min(w, Math.max(0, integerBitsFor(p.min, p.max) - 1)), { signed: false, quant: 'RND', overflow: 'SAT' }, `${l.name}.resultType`) };
    return l;
  });
  return { ...model, layers };
}
