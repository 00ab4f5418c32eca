/**
 * Seeded toy samples for unbinned fits: a Gaussian peak on an exponential
 * background, both truncated to [lo, hi] (inverse-CDF sampling for the
 * exponential, rejection for the Gaussian tails). Same seed, same events.
 */
import { PRNGKey, DomainError } from '../../autodiff/index.js';

/** Options of `gaussianOnExponential`. */
export interface PeakToy {
  nSignal: number;
  nBackground: number;
  mean: number;
  sigma: number;
  /** Exponential slope λ of e^{−λx}. */
  lambda: number;
  lo: number;
  hi: number;
}

/**
 * Draws nSignal Gaussian and nBackground exponential events (fixed counts).
 *
 * @example
 * ```ts
 * const x = gaussianOnExponential(PRNGKey.fromSeed(1), { nSignal: 2e4, nBackground: 8e4, mean: 5, sigma: 0.5, lambda: 0.3, lo: 0, hi: 10 });
 * ```
 */
export function gaussianOnExponential(key: PRNGKey, t: PeakToy): Float64Array {
  if (!(t.hi > t.lo)) throw new DomainError('hi', t.hi, 'expected hi > lo');
  if (!(t.sigma > 0)) throw new DomainError('sigma', t.sigma, 'expected a positive width');
  if (!(t.lambda !== 0 && Number.isFinite(t.lambda))) throw new DomainError('lambda', t.lambda, 'expected a finite non-zero slope');
  const [ks, kb] = key.split(2);
  const out = new Float64Array(t.nSignal + t.nBackground);
  let filled = 0;
  let round = 0;
  while (filled < t.nSignal) {
    const z = ks.fold(round++).normals(t.nSignal - filled + 16);
    for (let i = 0; i < z.length && filled < t.nSignal; i++) {
      const v = t.mean + t.sigma * z[i];
      if (v >= t.lo && v <= t.hi) out[filled++] = v;
    }
  }
  const u = kb.uniforms(t.nBackground);
  const w = t.hi - t.lo;
  for (let i = 0; i < t.nBackground; i++) out[t.nSignal + i] = t.lo - Math.log1p(u[i] * Math.expm1(-t.lambda * w)) / t.lambda;
  return out;
}
