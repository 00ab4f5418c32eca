/**
 * Gamma draws by inversion, z = F⁻¹(u; k) for Gamma(k, 1) at a fixed uniform
 * u, with the implicit-reparameterization gradient dz/dk = −(∂P/∂k)/pdf(z)
 * (Figurnov et al. 2018). Inversion (instead of a rejection sampler) makes
 * the draw a smooth function of k for a fixed u, so finite differences with
 * common random numbers agree with the gradient. Used for sampling
 * fluctuations (mean E, variance c²E) and photostatistics (mean and variance
 * N_pe): both non-negative with exact first two moments.
 */
import { tf, type Tensor, customGradient, special, DomainError } from '../../autodiff/index.js';
import { gammaPDerivA } from './incomplete-gamma.js';

/** Below this shape the draw is 0 (its mean k is negligible at the scales used). */
const MIN_SHAPE = 1e-9;

/** Inverse of P(k, ·) at u in float64: Wilson–Hilferty or small-k start, then Halley steps. */
export function gammaQuantile(k: number, u: number): number {
  if (!(k > 0)) throw new DomainError('gamma shape k', k, 'must be > 0');
  if (!(u > 0 && u < 1)) throw new DomainError('uniform u', u, 'must be in (0, 1)');
  let x: number;
  if (k > 1) {
    const z = special.normalQuantile(u);
    const c = 1 / (9 * k);
    x = k * Math.pow(Math.max(1 - c + z * Math.sqrt(c), 1e-3), 3);
  } else {
    const t = 1 - k * (0.253 + k * 0.12);
    x = u < t ? Math.pow(u / t, 1 / k) : 1 - Math.log(1 - (u - t) / (1 - t));
  }
  const lg = special.lgamma(k);
  // Deep in the left tail P(k, x) = x^k/Γ(k+1)·(1 + O(x)): invert directly (relative error O(x)).
  if (x < 1e-8) return Math.exp((Math.log(u) + special.lgamma(k + 1)) / k);
  for (let it = 0; it < 60; it++) {
    if (x <= 0) return 0;
    const err = special.gammaP(k, x) - u;
    const pdf = Math.exp((k - 1) * Math.log(x) - x - lg);
    if (!(pdf > 0)) break;
    const r = err / pdf;
    const step = r / (1 - 0.5 * Math.min(1, r * ((k - 1) / x - 1)));
    if (!Number.isFinite(step)) break;
    let xn = x - step;
    if (xn <= 0) xn = 0.5 * x;
    const done = Math.abs(xn - x) < 1e-12 * Math.max(x, 1e-300);
    x = xn;
    if (done) break;
  }
  return x;
}

/**
 * Gamma(k, 1) draws at the fixed uniforms `u` (one per element of `k`),
 * differentiable in `k` by implicit reparameterization. Tensor level.
 *
 * @example
 * ```ts
 * const z = gammaByInversion(tf.tensor1d([0.5, 40]), prngKey(1).uniforms(2)); // means 0.5 and 40
 * ```
 */
export function gammaByInversion(k: Tensor, u: Float64Array): Tensor {
  if (u.length !== k.size) throw new DomainError('uniforms', u.length, `need one per element of k (${k.size})`);
  const op = customGradient((kT: Tensor) => {
    const kv = kT.dataSync();
    const n = kv.length;
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const ki = kv[i];
      if (!(ki >= 0) || !Number.isFinite(ki)) throw new DomainError(`gamma shape k[${i}]`, ki, 'must be finite and ≥ 0');
      z[i] = ki < MIN_SHAPE ? 0 : gammaQuantile(ki, u[i]);
    }
    return {
      value: tf.tensor(Float32Array.from(z), kT.shape),
      gradFunc: (dy: Tensor) => {
        const dz = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          const ki = kv[i];
          if (ki < MIN_SHAPE || !(z[i] > 0)) continue;
          const pdf = special.gammaPdf(ki, z[i]);
          dz[i] = pdf > 0 ? -gammaPDerivA(ki, z[i]) / pdf : 0;
        }
        return tf.tidy(() => tf.mul(dy, tf.tensor(dz, kT.shape)));
      },
    };
  });
  return op(k);
}
