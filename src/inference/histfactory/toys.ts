/**
 * Toy-based hypothesis tests (as pyhf's ToyCalculator): pseudo-experiments
 * drawn from the model with the nuisance parameters fitted to the observed
 * data at μ (signal+background) and at 0 (background only), main bins
 * Poisson, Gaussian auxiliary data Normal, Poisson auxiliary data Poisson.
 * CLs+b = P(q ≥ q_obs | s+b), CLb = P(q ≥ q_obs | b); the expected band
 * evaluates CLs at the background-only quantiles of q. Random numbers come
 * from a `PRNGKey` (one fold per toy), so a run is reproducible.
 */
import { PRNGKey, DomainError, special } from '../../autodiff/index.js';
import { fitModel, type ModelData } from './fit.js';
import type { HistFactoryModel } from './model.js';
import type { TestStatistic } from './hypotest.js';

/** Poisson draw by inversion of the CDF (exact; O(λ) work, fine for HistFactory bin counts). */
function poissonDraw(lambda: number, u: number): number {
  if (!(lambda >= 0)) throw new DomainError('lambda', lambda, 'Poisson mean must be non-negative');
  if (lambda > 700) {
    // Beyond exp(−λ) underflow: start the inversion at the mode using log-probabilities.
    const k0 = Math.floor(lambda);
    const logp0 = k0 * Math.log(lambda) - lambda - special.lgamma(k0 + 1);
    // Cumulative at the mode from the regularized incomplete gamma: P(N ≤ k) = Q(k + 1, λ).
    let cdf = special.gammaQ(k0 + 1, lambda);
    let p = Math.exp(logp0);
    if (u <= cdf) {
      let k = k0;
      while (k > 0 && u <= cdf - p) {
        cdf -= p;
        p *= k / lambda;
        k--;
      }
      return k;
    }
    let k = k0;
    while (u > cdf) {
      k++;
      p *= lambda / k;
      cdf += p;
    }
    return k;
  }
  let k = 0;
  let p = Math.exp(-lambda);
  let cdf = p;
  while (u > cdf && p > 0) {
    k++;
    p *= lambda / k;
    cdf += p;
  }
  return k;
}

/** One pseudo-dataset at parameters x. */
export function sampleToy(model: HistFactoryModel, x: number[], key: PRNGKey): ModelData {
  const rates = model.expected(x);
  const aux = model.expectedAux(x);
  const nNormal = model.auxdata().length - model.parameters.filter((p) => p.constraint === 'poisson').reduce((s, p) => s + p.constrained.filter(Boolean).length, 0);
  const u = key.uniforms(rates.length + aux.length);
  const z = key.fold(1).normals(aux.length);
  const sigmas = model.parameters.flatMap((p) => (p.constraint === 'normal' ? p.sigmas.filter((_, k) => p.constrained[k]) : []));
  return {
    main: Array.from(rates, (l, i) => poissonDraw(l, u[i])),
    aux: aux.map((a, k) => (k < nNormal ? a + sigmas[k] * z[k] : poissonDraw(a, u[rates.length + k]))),
  };
}

/** Result of a toy-based test. */
export interface ToyResult {
  clsObs: number;
  clsExp: number[];
  clsb: number;
  clb: number;
  qObs: number;
  nToys: number;
}

/**
 * CLs at μ from `nToys` pseudo-experiments per hypothesis.
 *
 * @example
 * ```ts
 * const r = toyHypotest(model, model.observedData(), 1, { nToys: 500, key: PRNGKey.fromSeed(1) });
 * ```
 */
export function toyHypotest(model: HistFactoryModel, data: ModelData, mu: number, options: { nToys: number; key: PRNGKey; testStat?: TestStatistic; onToy?: (i: number) => void }): ToyResult {
  const testStat = options.testStat ?? 'qtilde';
  if (testStat === 'q0') throw new DomainError('testStat', testStat, "toys support 'qtilde' and 'q'");
  if (!(Number.isInteger(options.nToys) && options.nToys >= 1)) throw new DomainError('nToys', options.nToys, 'expected a positive integer');
  const qmu = (d: ModelData): number => {
    const free = fitModel(model, d);
    const cond = fitModel(model, d, { fixPoi: mu, init: free.bestfit });
    if (free.bestfit[model.poiIndex] > mu) return 0;
    return Math.max(0, cond.twiceNll - free.twiceNll);
  };
  const qObs = qmu(data);
  const sbPars = fitModel(model, data, { fixPoi: mu }).bestfit;
  const bPars = fitModel(model, data, { fixPoi: 0 }).bestfit;
  const [kSb, kB] = options.key.split(2);
  const qSb: number[] = [];
  const qB: number[] = [];
  for (let i = 0; i < options.nToys; i++) {
    qSb.push(qmu(sampleToy(model, sbPars, kSb.fold(i))));
    qB.push(qmu(sampleToy(model, bPars, kB.fold(i))));
    options.onToy?.(i);
  }
  const tail = (qs: number[], q: number) => qs.filter((v) => v >= q - 1e-9).length / qs.length;
  const cls = (q: number) => {
    const clsb = tail(qSb, q);
    const clb = tail(qB, q);
    return { clsb, clb, cls: clb > 0 ? clsb / clb : 1 };
  };
  const obs = cls(qObs);
  const sortedB = qB.slice().sort((a, b) => a - b);
  // Expected band: q at the background-only quantiles Φ(−N) of the upper tail, N = 2..−2 → ascending CLs.
  const clsExp = [2, 1, 0, -1, -2].map((n) => {
    const p = special.normalCdf(n);
    const idx = Math.min(sortedB.length - 1, Math.max(0, Math.round(p * (sortedB.length - 1))));
    return cls(sortedB[idx]).cls;
  });
  return { clsObs: obs.cls, clsExp, clsb: obs.clsb, clb: obs.clb, qObs, nToys: options.nToys };
}
