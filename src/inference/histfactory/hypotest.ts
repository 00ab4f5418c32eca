/**
 * Asymptotic hypothesis tests of a HistFactory model (Cowan, Cranmer, Gross,
 * Vitells, arXiv:1007.1727), with pyhf 0.7's conventions so that numbers
 * agree: the test statistics q0, q_μ and q̃_μ from a conditional and an
 * unconditional fit; the Asimov dataset built from the nuisance parameters
 * fitted to the observed data at μ = 0 (μ = 1 for q0); CLs+b = Φ(−(t + √q_A)),
 * CLb = Φ(−t), expected band CLs(N) = Φ(−N − √q_A)/Φ(−N), N = 2..−2.
 * Tails are Φ(−x), never 1 − Φ(x).
 */
import { special, DomainError } from '../../autodiff/index.js';
import { fitModel, type FitResult, type ModelData } from './fit.js';
import type { HistFactoryModel } from './model.js';

export type TestStatistic = 'qtilde' | 'q' | 'q0';

/** Result of a hypothesis test at one POI value. */
export interface HypotestResult {
  mu: number;
  /** Observed CLs (q̃/q), or the discovery p-value p0 for q0. */
  clsObs: number;
  /** Expected CLs at −2σ, −1σ, median, +1σ, +2σ of the background-only hypothesis (ascending CLs). */
  clsExp: number[];
  clsb: number;
  clb: number;
  /** Observed test statistic and its Asimov counterpart. */
  q: number;
  qA: number;
}

/** Options of the calculator. */
export interface CalculatorOptions {
  testStat?: TestStatistic;
  init?: number[];
  bounds?: [number, number][];
  fixed?: boolean[];
}

interface Warm {
  x: number[];
  metric?: number[][];
}

/**
 * The asymptotic calculator: caches the unconditional fits and the Asimov
 * dataset, so a scan over μ costs two conditional fits per point (each warm
 * started from the previous point).
 *
 * @example
 * ```ts
 * const calc = new AsymptoticCalculator(model, model.observedData());
 * const r = calc.hypotest(1); // r.clsObs, r.clsExp
 * ```
 */
export class AsymptoticCalculator {
  readonly testStat: TestStatistic;
  private init: number[];
  private bounds: [number, number][];
  private fixed: boolean[];
  private freeObs?: FitResult;
  private freeAsimov?: FitResult;
  private asimov?: ModelData;
  private warmObs?: Warm;
  private warmAsimov?: Warm;

  constructor(readonly model: HistFactoryModel, readonly data: ModelData, options: CalculatorOptions = {}) {
    this.testStat = options.testStat ?? 'qtilde';
    if (!['qtilde', 'q', 'q0'].includes(this.testStat)) throw new DomainError('testStat', this.testStat, "expected 'qtilde', 'q' or 'q0'");
    this.init = options.init ?? model.suggestedInit();
    this.bounds = options.bounds ?? model.suggestedBounds();
    this.fixed = options.fixed ?? model.suggestedFixed();
  }

  private fit(data: ModelData, fixPoi: number | undefined, warm?: Warm): FitResult {
    return fitModel(this.model, data, {
      init: warm?.x ?? this.init,
      bounds: this.bounds,
      fixed: this.fixed,
      fixPoi,
      startMetric: warm?.metric,
    });
  }

  /** The unconditional fit to the observed data. */
  observedFit(): FitResult {
    this.freeObs ??= this.fit(this.data, undefined);
    return this.freeObs;
  }

  /** The Asimov dataset (main and aux) of the test. */
  asimovData(): ModelData {
    if (!this.asimov) {
      const asimovMu = this.testStat === 'q0' ? 1 : 0;
      const nuis = this.fit(this.data, asimovMu);
      this.asimov = this.model.expectedData(nuis.bestfit);
    }
    return this.asimov;
  }

  private asimovFit(): FitResult {
    this.freeAsimov ??= this.fit(this.asimovData(), undefined);
    return this.freeAsimov;
  }

  /** t_μ = −2 ln λ(μ) clipped at 0, then the one-sided rule of q_μ/q̃_μ (0 when μ̂ > μ) or q0 (0 when μ̂ < 0). */
  private statistic(mu: number, free: FitResult, data: ModelData, which: 'obs' | 'asimov'): number {
    const warm = which === 'obs' ? this.warmObs : this.warmAsimov;
    const startX = (warm?.x ?? free.bestfit).slice();
    startX[this.model.poiIndex] = mu;
    const cond = this.fit(data, mu, { x: startX, metric: warm?.metric });
    const next = { x: cond.bestfit, metric: cond.metric };
    if (which === 'obs') this.warmObs = next;
    else this.warmAsimov = next;
    const t = Math.max(0, cond.twiceNll - free.twiceNll);
    const muHat = free.bestfit[this.model.poiIndex];
    if (this.testStat === 'q0') return muHat < mu ? 0 : t;
    return muHat > mu ? 0 : t;
  }

  /** Observed and Asimov test statistics at μ. */
  testStatistics(mu: number): { q: number; qA: number } {
    const q = this.statistic(mu, this.observedFit(), this.data, 'obs');
    const qA = this.statistic(mu, this.asimovFit(), this.asimovData(), 'asimov');
    return { q, qA };
  }

  /** CLs (or p0 for q0) at μ with the expected band. */
  hypotest(mu: number): HypotestResult {
    if (!Number.isFinite(mu)) throw new DomainError('mu', mu, 'expected a finite POI value');
    const [lo, hi] = this.bounds[this.model.poiIndex];
    if (mu < lo || mu > hi) throw new DomainError('mu', mu, `outside the POI bounds [${lo}, ${hi}]`);
    const { q, qA } = this.testStatistics(mu);
    return asymptoticPvalues(mu, q, qA, this.testStat);
  }
}

/** CLs+b, CLb, CLs and the expected band from q and q_A (pyhf's AsymptoticCalculator). */
export function asymptoticPvalues(mu: number, q: number, qA: number, testStat: TestStatistic): HypotestResult {
  const sq = Math.sqrt(Math.max(0, q));
  const sqA = Math.sqrt(Math.max(0, qA));
  let t: number;
  if (testStat === 'qtilde' && sq >= sqA && sqA > 0) t = (q - qA) / (2 * sqA);
  else t = sq - sqA;
  const pv = (tt: number) => {
    const clsb = special.normalCdf(-(tt + sqA));
    const clb = special.normalCdf(-tt);
    return { clsb, clb, cls: clsb / clb };
  };
  const obs = pv(t);
  const clsExp = [2, 1, 0, -1, -2].map((n) => pv(n).cls);
  if (testStat === 'q0') {
    // Discovery: p0 = Φ(−√q0); the band is the p0 expected for the Asimov signal, Φ(−(√q0A − N)).
    return { mu, clsObs: special.normalCdf(-sq), clsExp: [2, 1, 0, -1, -2].map((n) => special.normalCdf(-(sqA - n))), clsb: obs.clsb, clb: obs.clb, q, qA };
  }
  return { mu, clsObs: obs.cls, clsExp, clsb: obs.clsb, clb: obs.clb, q, qA };
}

/** numpy.interp: piecewise-linear interpolation at x of (xp, fp), xp ascending, clamped at the ends. */
export function interp(x: number, xp: number[], fp: number[]): number {
  const n = xp.length;
  if (x <= xp[0]) return fp[0];
  if (x >= xp[n - 1]) return fp[n - 1];
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xp[mid] <= x) lo = mid;
    else hi = mid;
  }
  const dx = xp[hi] - xp[lo];
  return dx === 0 ? fp[lo] : fp[lo] + ((x - xp[lo]) * (fp[hi] - fp[lo])) / dx;
}

/** Upper limits: observed and the expected band (−2σ..+2σ). */
export interface UpperLimit {
  obs: number;
  exp: number[];
  /** The scan (μ, CLs_obs, CLs_exp) when computed by scan. */
  scan?: { mu: number[]; clsObs: number[]; clsExp: number[][] };
}

/**
 * Upper limit on μ at CL = 1 − level from a scan: CLs at each scan point,
 * then linear interpolation of μ against CLs at `level` (pyhf's
 * `upper_limit` with an explicit scan), clamped to the scan range.
 *
 * @example
 * ```ts
 * const ul = upperLimitScan(model, model.observedData(), linspace(0, 5, 51)); // ul.obs, ul.exp
 * ```
 */
export function upperLimitScan(model: HistFactoryModel, data: ModelData, scan: number[], options: CalculatorOptions & { level?: number; onPoint?: (i: number) => void } = {}): UpperLimit {
  const level = options.level ?? 0.05;
  const calc = new AsymptoticCalculator(model, data, { ...options, testStat: options.testStat ?? 'qtilde' });
  const res = scan.map((mu, i) => {
    const r = calc.hypotest(mu);
    options.onPoint?.(i);
    return r;
  });
  const clsObs = res.map((r) => r.clsObs);
  const clsExp = [0, 1, 2, 3, 4].map((k) => res.map((r) => r.clsExp[k]));
  const rev = (a: number[]) => a.slice().reverse();
  const muRev = rev(scan);
  return {
    obs: interp(level, rev(clsObs), muRev),
    exp: clsExp.map((c) => interp(level, rev(c), muRev)),
    scan: { mu: scan, clsObs, clsExp: res.map((r) => r.clsExp) },
  };
}

/** `n` evenly spaced points from a to b inclusive (numpy.linspace). */
export function linspace(a: number, b: number, n: number): number[] {
  if (n === 1) return [a];
  return Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}

/**
 * Upper limit by root finding: μ where CLs(μ) = level, for the observed CLs
 * and each expected band, by bracketing and the Illinois variant of regula
 * falsi on log CLs (converges superlinearly; tolerance `rtol` on μ).
 */
export function upperLimitRoot(model: HistFactoryModel, data: ModelData, options: CalculatorOptions & { level?: number; rtol?: number } = {}): UpperLimit {
  const level = options.level ?? 0.05;
  const rtol = options.rtol ?? 1e-5;
  const calc = new AsymptoticCalculator(model, data, { ...options, testStat: options.testStat ?? 'qtilde' });
  const [lo, hi] = (options.bounds ?? model.suggestedBounds())[model.poiIndex];
  const cache = new Map<number, HypotestResult>();
  const at = (mu: number) => {
    let r = cache.get(mu);
    if (!r) {
      r = calc.hypotest(mu);
      cache.set(mu, r);
    }
    return r;
  };
  const solve = (pick: (r: HypotestResult) => number): number => {
    const h = (mu: number) => Math.log(pick(at(mu))) - Math.log(level);
    let a = Math.max(lo, 0);
    let fa = h(a === 0 ? Math.min(1e-3, hi) : a);
    if (a === 0) a = Math.min(1e-3, hi);
    if (fa < 0) return a;
    let b = Math.min(hi, Math.max(1, 2 * a));
    let fb = h(b);
    while (fb > 0) {
      if (b >= hi) throw new DomainError('poi', hi, `CLs stays above ${level} up to the POI's upper bound; widen the bounds`);
      a = b;
      fa = fb;
      b = Math.min(hi, 2 * b);
      fb = h(b);
    }
    for (let it = 0; it < 100; it++) {
      const c = b - (fb * (b - a)) / (fb - fa);
      const fc = h(c);
      if (fc === 0) return c;
      if (fc * fb < 0) {
        a = b;
        fa = fb;
      } else fa /= 2;
      b = c;
      fb = fc;
      if (Math.abs(b - a) < rtol * Math.abs(b)) return b;
    }
    return b;
  };
  return { obs: solve((r) => r.clsObs), exp: [0, 1, 2, 3, 4].map((k) => solve((r) => r.clsExp[k])) };
}
