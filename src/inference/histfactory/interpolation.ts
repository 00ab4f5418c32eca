/**
 * HistFactory interpolation codes (ROOT HistFactory / pyhf conventions):
 * normsys (multiplicative) code1 (piecewise exponential) and code4
 * (6th-order polynomial inside |α| < 1 matched in value, first and second
 * derivative to the exponential outside); histosys (additive) code0
 * (piecewise linear) and code4p (polynomial inside |α| < 1, linear outside).
 * References: ROOT FlexibleInterpVar / PiecewiseInterpolation; pyhf.interpolators.
 */
import { tf, linalg, type Tensor } from '../../autodiff/index.js';

export type NormsysCode = 'code1' | 'code4';
export type HistosysCode = 'code0' | 'code4p';

/**
 * Coefficients a₁..a₆ of code4's polynomial 1 + Σ aᵢ αⁱ for factors (hi, lo):
 * equal value, slope and curvature to hi^α at α = 1 and lo^(−α) at α = −1.
 */
export function code4Coefficients(hi: number, lo: number): number[] {
  const lh = Math.log(hi);
  const ll = Math.log(lo);
  const a = [
    [1, 1, 1, 1, 1, 1],
    [-1, 1, -1, 1, -1, 1],
    [1, 2, 3, 4, 5, 6],
    [1, -2, 3, -4, 5, -6],
    [0, 2, 6, 12, 20, 30],
    [0, 2, -6, 12, -20, 30],
  ];
  const b = [hi - 1, lo - 1, hi * lh, -lo * ll, hi * lh * lh, lo * ll * ll];
  return linalg.solve(a, b);
}

/** Multiplicative normsys factor at α (float64). `coef` is code4Coefficients(hi, lo) for code4. */
export function normsysFactor(code: NormsysCode, alpha: number, hi: number, lo: number, coef?: number[]): number {
  if (code === 'code1' || Math.abs(alpha) >= 1) return alpha >= 0 ? Math.pow(hi, alpha) : Math.pow(lo, -alpha);
  const c = coef ?? code4Coefficients(hi, lo);
  let s = 1;
  let p = 1;
  for (let i = 0; i < 6; i++) {
    p *= alpha;
    s += c[i] * p;
  }
  return s;
}

/** Additive histosys shift at α for one bin (float64): up = hi − nom, dn = nom − lo. */
export function histosysDelta(code: HistosysCode, alpha: number, up: number, dn: number): number {
  if (code === 'code0') return alpha >= 0 ? alpha * up : alpha * dn;
  if (alpha > 1) return alpha * up;
  if (alpha < -1) return alpha * dn;
  const s = 0.5 * (up + dn);
  const a = 0.0625 * (up - dn);
  const a2 = alpha * alpha;
  return alpha * (s + alpha * a * (15 + a2 * (3 * a2 - 10)));
}

/**
 * The code4p histosys shift as a tensor, for a scalar α tensor and per-bin
 * deltas up = hi − nom, dn = nom − lo (the tensor form of `histosysDelta`,
 * differentiable in α and in both templates).
 *
 * @example
 * ```ts
 * const shift = histosysDeltaCode4p(tf.scalar(0.5), tf.tensor1d([2, 1]), tf.tensor1d([1, 1]));
 * ```
 */
export function histosysDeltaCode4p(alpha: Tensor, up: Tensor, dn: Tensor): Tensor {
  return tf.tidy(() => {
    const s = tf.mul(0.5, tf.add(up, dn));
    const a = tf.mul(0.0625, tf.sub(up, dn));
    const a2 = tf.square(alpha);
    const poly = tf.mul(alpha, tf.add(s, tf.mul(tf.mul(alpha, a), tf.add(15, tf.mul(a2, tf.sub(tf.mul(3, a2), 10))))));
    const pos = tf.relu(alpha);
    const lin = tf.add(tf.mul(pos, up), tf.mul(tf.sub(alpha, pos), dn));
    // outside |α| ≤ 1 the shift is linear: swap the polynomial for the line there
    const outside = tf.step(tf.sub(tf.abs(alpha), 1));
    return tf.add(poly, tf.mul(outside, tf.sub(lin, poly)));
  });
}
