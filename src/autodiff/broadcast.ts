/** Broadcasting helpers for custom gradients. */
import { tf, type Tensor } from './tf.js';
import { ShapeMismatchError } from './errors.js';

/** The broadcast shape of two shapes (numpy rules), or a ShapeMismatchError naming both. */
export function broadcastShape(a: readonly number[], b: readonly number[], field = 'operands'): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new ShapeMismatchError(field, a, b);
    out.push(Math.max(da, db));
  }
  return out;
}

/** Sums a gradient of a broadcast result back to the shape of an input. */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  let t = g;
  const extra = t.rank - shape.length;
  if (extra > 0) t = tf.sum(t, Array.from({ length: extra }, (_, i) => i));
  const axes: number[] = [];
  shape.forEach((d, i) => {
    if (d === 1 && t.shape[i] !== 1) axes.push(i);
  });
  if (axes.length) t = tf.sum(t, axes, true);
  return t.reshape(shape as number[]);
}

/** A tensor from a number or tensor. */
export function asTensor(x: number | Tensor): Tensor {
  return typeof x === 'number' ? tf.scalar(x) : x;
}
