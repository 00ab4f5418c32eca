/**
 * Weight initializers returning nested number arrays (ready for `param()`):
 * Glorot/Xavier uniform (Glorot & Bengio 2010), He normal (He et al. 2015,
 * arXiv:1502.01852), zeros. Seeded by a PRNGKey.
 */
import type { PRNGKey } from '../random/key.js';

/** A nested array of numbers. */
export type NestedArray = number | NestedArray[];

/** Reshapes a flat array into nested arrays of the given shape. */
export function nest(flat: ArrayLike<number>, shape: number[]): NestedArray {
  if (shape.length === 0) return flat[0];
  const [d, ...rest] = shape;
  const inner = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: d }, (_, i) => nest(Array.prototype.slice.call(flat, i * inner, (i + 1) * inner) as number[], rest));
}

function fans(shape: number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  // convolution kernels [k..., in, out]
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: receptive * shape[shape.length - 2], fanOut: receptive * shape[shape.length - 1] };
}

/**
 * U(−l, l) with l = √(6/(fanIn + fanOut)); for kernels [k..., in, out] the
 * fans include the receptive field.
 *
 * @example
 * ```ts
 * const w = glorotUniform(prngKey(0), [16, 8]); // number[16][8]
 * ```
 */
export function glorotUniform(key: PRNGKey, shape: number[]): NestedArray {
  const { fanIn, fanOut } = fans(shape);
  const lim = Math.sqrt(6 / (fanIn + fanOut));
  const n = shape.reduce((a, b) => a * b, 1);
  return nest(Array.from(key.uniforms(n), (u) => Math.fround((2 * u - 1) * lim)), shape);
}

/**
 * N(0, 2/fanIn), for ReLU networks.
 *
 * @example
 * ```ts
 * const k = heNormal(prngKey(1), [3, 3, 4, 8]); // a conv2d kernel, variance 2/36
 * ```
 */
export function heNormal(key: PRNGKey, shape: number[]): NestedArray {
  const { fanIn } = fans(shape);
  const s = Math.sqrt(2 / fanIn);
  const n = shape.reduce((a, b) => a * b, 1);
  return nest(Array.from(key.normals(n), (z) => Math.fround(z * s)), shape);
}

/** Zeros of the given shape. */
export function zeros(shape: number[]): NestedArray {
  return nest(new Array<number>(shape.reduce((a, b) => a * b, 1)).fill(0), shape);
}
