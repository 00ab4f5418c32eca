/**
 * Sums that keep precision on large reductions. A float32 running sum of 10⁶
 * log-likelihood terms loses about 10⁻¹ absolute — far more than the 10⁻³ a
 * likelihood fit must resolve. `sumPrecise` accumulates in float64 on the
 * host (Neumaier's compensated summation on top), then rounds once;
 * `sumPreciseValue` returns the float64 total itself for fitters that compare
 * objective values. Gradients are the usual ones (a broadcast of the
 * upstream gradient).
 */
import { tf, type Tensor } from './tf.js';
import { customGradient } from './custom-gradients.js';

/** Neumaier-compensated float64 sum of a typed array. */
export function kahanSum(values: ArrayLike<number>): number {
  let sum = 0;
  let c = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const t = sum + v;
    if (Math.abs(sum) >= Math.abs(v)) c += sum - t + v;
    else c += v - t + sum;
    sum = t;
  }
  return sum + c;
}

/** Float64 reduction over `axis` (all axes when omitted) of a float32 tensor. */
function reduceHost(x: Tensor, axis?: number): { values: Float32Array; shape: number[]; f64: Float64Array } {
  const data = x.dataSync();
  if (axis === undefined) {
    const s = kahanSum(data);
    return { values: Float32Array.of(s), shape: [], f64: Float64Array.of(s) };
  }
  const ax = axis < 0 ? axis + x.rank : axis;
  const outer = x.shape.slice(0, ax).reduce((a, b) => a * b, 1);
  const n = x.shape[ax];
  const inner = x.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
  const f64 = new Float64Array(outer * inner);
  const buf = new Float64Array(n);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      for (let k = 0; k < n; k++) buf[k] = data[(o * n + k) * inner + i];
      f64[o * inner + i] = kahanSum(buf);
    }
  }
  const shape = x.shape.filter((_, i) => i !== ax);
  return { values: Float32Array.from(f64), shape, f64 };
}

/** Sum over `axis` (or everything) accumulated in float64; differentiable. */
export function sumPrecise(x: Tensor, axis?: number): Tensor {
  return customGradient((a) => {
    const { values, shape } = reduceHost(a, axis);
    return {
      value: tf.tensor(values, shape),
      gradFunc: (dy) => {
        if (axis === undefined) return tf.mul(tf.onesLike(a), dy);
        const ax = axis < 0 ? axis + a.rank : axis;
        return tf.mul(tf.onesLike(a), tf.expandDims(dy, ax));
      },
    };
  })(x);
}

/** The float64 value of the full sum of a tensor (no gradient). */
export function sumPreciseValue(x: Tensor): number {
  return kahanSum(x.dataSync());
}
