/**
 * Straight-through estimators for piecewise-constant operations (ADC
 * digitization, integer bit widths, saturation): the forward pass applies the
 * hard operation, the backward pass the gradient of the identity.
 *
 * Bias: the gradient ignores the operation entirely. For rounding and floor
 * the error of the forward value is below one unit (so the gradient is right
 * on scales much larger than one unit); for clamping the gradient is wrong
 * (should be 0) wherever the input lies outside [lo, hi]. Never exact as a
 * derivative of the hard operation (which is 0 almost everywhere); exact as
 * the derivative of the identity the operation approximates.
 */
import { tf, type Tensor } from '../tf.js';
import { straightThrough } from '../custom-gradients.js';
import { DomainError } from '../errors.js';

const roundST = straightThrough((x) => tf.round(x));
const floorST = straightThrough((x) => tf.floor(x));

/**
 * round(x) forward (half to even, as tf.round), gradient 1.
 *
 * @example
 * ```ts
 * const q = stRound(tf.tensor1d([0.4, 1.6])); // [0, 2], d/dx = 1
 * ```
 */
export function stRound(x: Tensor): Tensor {
  return roundST(x);
}

/**
 * floor(x) forward, gradient 1.
 *
 * @example
 * ```ts
 * const q = stFloor(tf.tensor1d([0.4, 1.6])); // [0, 1], d/dx = 1
 * ```
 */
export function stFloor(x: Tensor): Tensor {
  return floorST(x);
}

/**
 * clamp(x, lo, hi) forward, gradient 1 everywhere (also where clamped).
 *
 * @example
 * ```ts
 * const c = stClamp(tf.tensor1d([-2, 0.5, 3]), 0, 1); // [0, 0.5, 1], d/dx = 1
 * ```
 */
export function stClamp(x: Tensor, lo: number, hi: number): Tensor {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) throw new DomainError('clamp range', [lo, hi], 'need finite lo ≤ hi');
  return straightThrough((v) => tf.clipByValue(v, lo, hi))(x);
}
