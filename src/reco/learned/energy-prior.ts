/**
 * Energy spectra to train on: power laws p(E) ∝ E^−k on [min, max]
 * (k = 0 uniform, k = 1 log-uniform, k = 2 a falling spectrum). A
 * regression trained by mean squared error returns the posterior mean of E,
 * which depends on this training prior (Gambhir, Nachman, Thaler,
 * arXiv:2205.05084); `prior-study.ts` measures that dependence.
 */
import { DomainError, type PRNGKey } from '../../autodiff/index.js';

/** A power-law spectrum p(E) ∝ E^−index on [minGeV, maxGeV]. */
export interface EnergyPrior {
  minGeV: number;
  maxGeV: number;
  /** Spectral index k of E^−k (0 uniform, 1 log-uniform). */
  index: number;
}

/**
 * Checks a prior (names the bad field).
 *
 * @example
 * ```ts
 * checkEnergyPrior({ minGeV: 5, maxGeV: 2, index: 1 }); // throws: invalid 'prior.maxGeV' = 2
 * ```
 */
export function checkEnergyPrior(p: EnergyPrior, field = 'prior'): void {
  if (!(Number.isFinite(p?.minGeV) && p.minGeV > 0)) throw new DomainError(`${field}.minGeV`, p?.minGeV, 'must be finite and > 0 GeV');
  if (!(Number.isFinite(p.maxGeV) && p.maxGeV > p.minGeV)) throw new DomainError(`${field}.maxGeV`, p.maxGeV, `must be finite and > minGeV (${p.minGeV})`);
  if (!Number.isFinite(p.index)) throw new DomainError(`${field}.index`, p.index, 'must be a finite spectral index');
}

/**
 * `n` energies [GeV] drawn from the prior by inverting its CDF (seeded).
 *
 * @example
 * ```ts
 * sampleEnergies({ minGeV: 1, maxGeV: 32, index: 1 }, 1000, prngKey(3)); // log-uniform
 * ```
 */
export function sampleEnergies(prior: EnergyPrior, n: number, key: PRNGKey): Float64Array {
  checkEnergyPrior(prior);
  if (!(Number.isInteger(n) && n >= 1)) throw new DomainError('n', n, 'must be a positive integer');
  const { minGeV: a, maxGeV: b, index: k } = prior;
  const u = key.fold('energy-prior').uniforms(n);
  if (Math.abs(k - 1) < 1e-12) return u.map((x) => a * Math.pow(b / a, x));
  const q = 1 - k;
  const aq = Math.pow(a, q);
  const bq = Math.pow(b, q);
  return u.map((x) => Math.pow(aq + x * (bq - aq), 1 / q));
}

/**
 * The normalized density of the prior at E [1/GeV] (0 outside the range).
 *
 * @example
 * ```ts
 * energyPriorDensity({ minGeV: 1, maxGeV: 10, index: 0 }, 5); // 1/9
 * ```
 */
export function energyPriorDensity(prior: EnergyPrior, eGeV: number): number {
  checkEnergyPrior(prior);
  const { minGeV: a, maxGeV: b, index: k } = prior;
  if (!(eGeV >= a && eGeV <= b)) return 0;
  const norm = Math.abs(k - 1) < 1e-12 ? Math.log(b / a) : (Math.pow(b, 1 - k) - Math.pow(a, 1 - k)) / (1 - k);
  return Math.pow(eGeV, -k) / norm;
}
