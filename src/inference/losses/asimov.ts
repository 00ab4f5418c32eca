/**
 * Asimov discovery significances (Cowan, Cranmer, Gross, Vitells,
 * arXiv:1007.1727, eq. 97; with a background uncertainty σ_b, Cowan's
 * "Discovery sensitivity for a counting experiment with background
 * uncertainty", 2012) as differentiable tensor functions — losses for
 * optimizing selections (maximize Z, i.e. minimize −Z). Inputs broadcast.
 */
import { tf, type Tensor } from '../../autodiff/index.js';

type T = Tensor | number;
const t = (v: T): Tensor => (typeof v === 'number' ? tf.scalar(v) : v);

/**
 * Z_A = √(2((s+b) ln(1+s/b) − s)).
 *
 * @example
 * ```ts
 * asimovSignificance(10, 50).dataSync()[0]; // 1.37062
 * ```
 */
export function asimovSignificance(s: T, b: T): Tensor {
  const st = t(s);
  const bt = t(b);
  // q = 2b·h(r), h(r) = (1+r) ln(1+r) − r with r = s/b. In float32 the direct form cancels for
  // small r, so below r = 0.1 use the series h = Σₖ₌₂ (−1)ᵏ rᵏ/(k(k−1)) (to k = 9, error < r¹⁰/90).
  const r = tf.div(st, bt);
  const direct = tf.sub(tf.mul(tf.add(1, r), tf.log1p(r)), r);
  // The series runs on min(r, 0.1) so it stays small where it is masked out (no float32 cancellation).
  const rs = tf.minimum(r, tf.mul(tf.onesLike(r), 0.1)); // explicit broadcast (tfjs Minimum gradient)
  let series: Tensor = tf.zerosLike(r);
  let pow: Tensor = rs;
  for (let k = 2; k <= 9; k++) {
    pow = tf.mul(pow, rs);
    series = tf.add(series, tf.mul(pow, ((k % 2 === 0 ? 1 : -1) / (k * (k - 1)))));
  }
  // Branch by a step mask (comparisons have no registered gradient on every backend).
  const large = tf.step(tf.sub(tf.abs(r), 0.1));
  const h = tf.add(series, tf.mul(large, tf.sub(direct, series)));
  return tf.sqrt(tf.relu(tf.mul(tf.mul(2, bt), h)));
}

/**
 * Z_A with background uncertainty σ_b (float32: accurate for s/b ≳ 0.05; for
 * smaller signals the two logarithms cancel — use the float64 value there):
 * √(2((s+b) ln((s+b)(b+σ²)/(b² + (s+b)σ²)) − (b²/σ²) ln(1 + σ² s/(b(b+σ²))))).
 */
export function asimovSignificanceWithUncertainty(s: T, b: T, sigmaB: T): Tensor {
  const st = t(s);
  const bt = t(b);
  const s2 = tf.square(t(sigmaB));
  const sb = tf.add(st, bt);
  // Rearranged so no logarithm sees 1 + (cancelled difference):
  // (s+b)(b+σ²)/(b²+(s+b)σ²) = 1 + y with y = s·b/(b² + (s+b)σ²), and
  // (b²/σ²) ln(1+ε) = (b·s/(b+σ²)) · ln(1+ε)/ε with ε = σ²s/(b(b+σ²)), whose
  // ratio uses its series for small ε (σ_b ≪ b makes b²/σ² huge).
  const y = tf.div(tf.mul(st, bt), tf.add(tf.square(bt), tf.mul(sb, s2)));
  const term1 = tf.mul(sb, tf.log1p(y));
  const bs2 = tf.add(bt, s2);
  const eps = tf.div(tf.mul(s2, st), tf.mul(bt, bs2));
  const es = tf.minimum(eps, tf.mul(tf.onesLike(eps), 0.05));
  // ln(1+ε)/ε = Σₖ (−ε)ᵏ/(k+1), to k = 7 (error < ε⁸/9).
  let series: Tensor = tf.onesLike(es);
  let pow: Tensor = tf.onesLike(es);
  for (let k = 1; k <= 7; k++) {
    pow = tf.mul(pow, tf.neg(es));
    series = tf.add(series, tf.div(pow, k + 1));
  }
  const large = tf.step(tf.sub(eps, 0.05));
  const direct = tf.div(tf.log1p(eps), tf.maximum(eps, tf.mul(tf.onesLike(eps), 0.05)));
  const ratio = tf.add(series, tf.mul(large, tf.sub(direct, series)));
  const term2 = tf.mul(tf.div(tf.mul(bt, st), bs2), ratio);
  return tf.sqrt(tf.relu(tf.mul(2, tf.sub(term1, term2))));
}

/** Float64 host versions (for reference values and checks). */
export function asimovSignificanceValue(s: number, b: number, sigmaB?: number): number {
  if (sigmaB === undefined || sigmaB === 0) return Math.sqrt(Math.max(0, 2 * ((s + b) * Math.log1p(s / b) - s)));
  const s2 = sigmaB * sigmaB;
  const q = 2 * ((s + b) * Math.log(((s + b) * (b + s2)) / (b * b + (s + b) * s2)) - ((b * b) / s2) * Math.log1p((s2 * s) / (b * (b + s2))));
  return Math.sqrt(Math.max(0, q));
}
