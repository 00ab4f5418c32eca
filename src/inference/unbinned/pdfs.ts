/**
 * Composable probability densities for unbinned fits, normalized over the
 * observable's range [lo, hi]: analytically for the Gaussian, exponential,
 * Chebyshev and Bernstein shapes, numerically (composite Gauss–Legendre,
 * 32 panels × 8 nodes) for the Crystal Ball. Each PDF has a tensor path
 * (log-density, differentiated by the core) and a float64 host path (the
 * objective values a fit compares), computing the same function.
 * Parameters are named scalars shared across components by name.
 */
import { tf, type Tensor, DomainError, special, gaussLegendre } from '../../autodiff/index.js';

/** Named parameter values. */
export type ParamValues<T> = Record<string, T>;

/** A normalized density of one observable (or a product over several). */
export interface Pdf {
  /** Parameter names it reads. */
  readonly params: string[];
  /** Observables it reads. */
  readonly observables: string[];
  /** log density, tensor path (differentiable in the parameters). */
  logPdf(x: Record<string, Tensor>, p: ParamValues<Tensor>): Tensor;
  /** log density, float64 host path. */
  logPdfHost(x: Record<string, Float64Array>, p: ParamValues<number>): Float64Array;
}

/** An observable with its range. */
export interface Observable {
  name: string;
  lo: number;
  hi: number;
}

function checkRange(obs: Observable): void {
  if (!(Number.isFinite(obs.lo) && Number.isFinite(obs.hi) && obs.hi > obs.lo)) throw new DomainError(`${obs.name}.range`, [obs.lo, obs.hi], 'expected finite lo < hi');
}

const SQRT1_2 = Math.SQRT1_2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Φ(z) as a tensor (tfjs erf). */
function normalCdfT(z: Tensor): Tensor {
  return tf.mul(0.5, tf.add(1, tf.erf(tf.mul(z, SQRT1_2))));
}

/**
 * Gaussian N(x | mean, sigma) normalized on the range.
 *
 * @example
 * ```ts
 * const g = gaussian({ name: 'm', lo: 100, hi: 160 }, 'mean', 'sigma');
 * ```
 */
export function gaussian(obs: Observable, mean: string, sigma: string): Pdf {
  checkRange(obs);
  return {
    params: [mean, sigma],
    observables: [obs.name],
    logPdf: (x, p) => {
      const m = p[mean];
      const s = p[sigma];
      const z = tf.div(tf.sub(x[obs.name], m), s);
      const norm = tf.sub(normalCdfT(tf.div(tf.sub(obs.hi, m), s)), normalCdfT(tf.div(tf.sub(obs.lo, m), s)));
      return tf.sub(tf.mul(-0.5, tf.square(z)), tf.add(tf.add(tf.log(s), LOG_SQRT_2PI), tf.log(norm)));
    },
    logPdfHost: (x, p) => {
      const m = p[mean];
      const s = p[sigma];
      const norm = special.normalCdf((obs.hi - m) / s) - special.normalCdf((obs.lo - m) / s);
      const c = Math.log(s) + LOG_SQRT_2PI + Math.log(norm);
      const xs = x[obs.name];
      return xs.map((v) => -0.5 * ((v - m) / s) ** 2 - c);
    },
  };
}

/** Exponential ∝ exp(−λx) normalized on the range (λ of either sign, not 0). */
export function exponential(obs: Observable, lambda: string): Pdf {
  checkRange(obs);
  const w = obs.hi - obs.lo;
  return {
    params: [lambda],
    observables: [obs.name],
    logPdf: (x, p) => {
      const l = p[lambda];
      // ∫ e^{−λx} = e^{−λ lo} (1 − e^{−λ w})/λ
      const logNorm = tf.add(tf.mul(tf.neg(l), obs.lo), tf.log(tf.div(tf.sub(1, tf.exp(tf.mul(tf.neg(l), w))), l)));
      return tf.sub(tf.mul(tf.neg(l), x[obs.name]), logNorm);
    },
    logPdfHost: (x, p) => {
      const l = p[lambda];
      const logNorm = -l * obs.lo + Math.log(-Math.expm1(-l * w) / l);
      return x[obs.name].map((v) => -l * v - logNorm);
    },
  };
}

/** ∫₋₁¹ T_k = (1 + (−1)^k)/(1 − k²) (0 for k = 1). */
function chebyshevIntegral(k: number): number {
  return k === 1 ? 0 : (1 + (k % 2 === 0 ? 1 : -1)) / (1 - k * k);
}

/** Chebyshev series 1 + Σ c_k T_k(t), t = 2(x − lo)/(hi − lo) − 1, normalized on the range. */
export function chebyshev(obs: Observable, coefficients: string[]): Pdf {
  checkRange(obs);
  const half = 0.5 * (obs.hi - obs.lo);
  const toT = (v: number) => (v - obs.lo) / half - 1;
  return {
    params: coefficients.slice(),
    observables: [obs.name],
    logPdf: (x, p) => {
      const t = tf.sub(tf.div(tf.sub(x[obs.name], obs.lo), half), 1);
      let tPrev: Tensor = tf.onesLike(t);
      let tCur: Tensor = t;
      let f: Tensor = tf.onesLike(t);
      let norm: Tensor = tf.scalar(2);
      coefficients.forEach((c, i) => {
        const k = i + 1;
        if (k > 1) {
          const next = tf.sub(tf.mul(tf.mul(2, t), tCur), tPrev);
          tPrev = tCur;
          tCur = next;
        }
        f = tf.add(f, tf.mul(p[c], tCur));
        norm = tf.add(norm, tf.mul(p[c], chebyshevIntegral(k)));
      });
      return tf.sub(tf.log(f), tf.log(tf.mul(norm, half)));
    },
    logPdfHost: (x, p) => {
      let norm = 2;
      coefficients.forEach((c, i) => (norm += p[c] * chebyshevIntegral(i + 1)));
      const ln = Math.log(norm * half);
      return x[obs.name].map((v) => {
        const t = toT(v);
        let a = 1;
        let b = t;
        let f = 1;
        coefficients.forEach((c, i) => {
          if (i > 0) {
            const nx = 2 * t * b - a;
            a = b;
            b = nx;
          }
          f += p[c] * b;
        });
        return Math.log(f) - ln;
      });
    },
  };
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** Bernstein polynomial Σ c_k C(n,k) t^k (1−t)^(n−k), t = (x − lo)/(hi − lo), normalized on the range (∫ = Σ c_k/(n+1)). */
export function bernstein(obs: Observable, coefficients: string[]): Pdf {
  checkRange(obs);
  if (coefficients.length < 1) throw new DomainError('coefficients', coefficients, 'expected at least one coefficient');
  const n = coefficients.length - 1;
  const w = obs.hi - obs.lo;
  return {
    params: coefficients.slice(),
    observables: [obs.name],
    logPdf: (x, p) => {
      const t = tf.div(tf.sub(x[obs.name], obs.lo), w);
      const u = tf.sub(1, t);
      let f: Tensor = tf.zerosLike(t);
      let norm: Tensor = tf.scalar(0);
      coefficients.forEach((c, k) => {
        f = tf.add(f, tf.mul(tf.mul(p[c], binomial(n, k)), tf.mul(tf.pow(t, k), tf.pow(u, n - k))));
        norm = tf.add(norm, p[c]);
      });
      return tf.sub(tf.log(f), tf.log(tf.mul(norm, w / (n + 1))));
    },
    logPdfHost: (x, p) => {
      const norm = coefficients.reduce((s, c) => s + p[c], 0) * (w / (n + 1));
      return x[obs.name].map((v) => {
        const t = (v - obs.lo) / w;
        let f = 0;
        coefficients.forEach((c, k) => (f += p[c] * binomial(n, k) * t ** k * (1 - t) ** (n - k)));
        return Math.log(f) - Math.log(norm);
      });
    },
  };
}


/** Composite Gauss–Legendre nodes and weights over [lo, hi]. */
export function quadratureNodes(lo: number, hi: number, panels = 32, order = 8): { x: number[]; w: number[] } {
  const gl = gaussLegendre(order);
  const xs: number[] = [];
  const ws: number[] = [];
  const h = (hi - lo) / panels;
  for (let p = 0; p < panels; p++) {
    const a = lo + p * h;
    gl.x.forEach((z, i) => {
      xs.push(a + 0.5 * h * (z + 1));
      ws.push(0.5 * h * gl.w[i]);
    });
  }
  return { x: xs, w: ws };
}

/**
 * Crystal Ball (Gaussian core, power-law low tail below mean − α·σ), α > 0,
 * n > 1, normalized numerically on the range.
 */
export function crystalBall(obs: Observable, mean: string, sigma: string, alpha: string, n: string): Pdf {
  checkRange(obs);
  const q = quadratureNodes(obs.lo, obs.hi);
  const shapeT = (xv: Tensor, m: Tensor, s: Tensor, a: Tensor, nn: Tensor): Tensor => {
    const t = tf.div(tf.sub(xv, m), s);
    const core = tf.mul(-0.5, tf.square(t));
    // log A − n log(B − t), with B − t evaluated at t ≤ −α only (the core branch otherwise).
    // Explicit broadcast: tfjs's Minimum gradient rejects a broadcast scalar operand.
    const tTail = tf.minimum(t, tf.mul(tf.onesLike(t), tf.neg(a)));
    const logA = tf.sub(tf.mul(nn, tf.log(tf.div(nn, a))), tf.mul(0.5, tf.square(a)));
    const bMinusT = tf.sub(tf.sub(tf.div(nn, a), a), tTail);
    const tail = tf.sub(logA, tf.mul(nn, tf.log(bMinusT)));
    const inCore = tf.step(tf.add(t, a));
    return tf.add(tail, tf.mul(inCore, tf.sub(core, tail)));
  };
  const shapeHost = (v: number, m: number, s: number, a: number, nn: number): number => {
    const t = (v - m) / s;
    if (t > -a) return -0.5 * t * t;
    return nn * Math.log(nn / a) - 0.5 * a * a - nn * Math.log(nn / a - a - t);
  };
  const check = (p: ParamValues<number>) => {
    if (!(p[alpha] > 0)) throw new DomainError(alpha, p[alpha], 'Crystal Ball α must be positive');
    if (!(p[n] > 1)) throw new DomainError(n, p[n], 'Crystal Ball n must exceed 1');
  };
  return {
    params: [mean, sigma, alpha, n],
    observables: [obs.name],
    logPdf: (x, p) => {
      const nodes = tf.tensor1d(q.x);
      const weights = tf.tensor1d(q.w);
      const norm = tf.sum(tf.mul(weights, tf.exp(shapeT(nodes, p[mean], p[sigma], p[alpha], p[n]))));
      return tf.sub(shapeT(x[obs.name], p[mean], p[sigma], p[alpha], p[n]), tf.log(norm));
    },
    logPdfHost: (x, p) => {
      check(p);
      let norm = 0;
      q.x.forEach((v, i) => (norm += q.w[i] * Math.exp(shapeHost(v, p[mean], p[sigma], p[alpha], p[n]))));
      const ln = Math.log(norm);
      return x[obs.name].map((v) => shapeHost(v, p[mean], p[sigma], p[alpha], p[n]) - ln);
    },
  };
}

/**
 * log Σₖ exp(aₖ) over axis 0, twice differentiable: the shift m = max is a
 * constant copied off the tape (the result does not depend on it), because
 * tf.logSumExp's gradient goes through a comparison without a second derivative.
 */
export function logSumExp0(a: Tensor): Tensor {
  const m = tf.tensor(tf.max(a, 0).dataSync(), a.shape.slice(1));
  return tf.add(m, tf.log(tf.sum(tf.exp(tf.sub(a, m)), 0)));
}

function logSumExpHost(terms: Float64Array[], logw: number[]): Float64Array {
  const n = terms[0].length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let k = 0; k < terms.length; k++) m = Math.max(m, terms[k][i] + logw[k]);
    let s = 0;
    for (let k = 0; k < terms.length; k++) s += Math.exp(terms[k][i] + logw[k] - m);
    out[i] = m + Math.log(s);
  }
  return out;
}

/**
 * Sum with fractions: f₁·A₁ + … + f_{k−1}·A_{k−1} + (1 − Σf)·A_k (k − 1 fraction names).
 */
export function sumFractions(pdfs: Pdf[], fractions: string[]): Pdf {
  if (fractions.length !== pdfs.length - 1) throw new DomainError('fractions', fractions, `expected ${pdfs.length - 1} fraction names for ${pdfs.length} PDFs`);
  const weightsT = (p: ParamValues<Tensor>): Tensor[] => {
    const f = fractions.map((n) => p[n]);
    const rest = f.reduce((acc: Tensor, v) => tf.sub(acc, v), tf.scalar(1));
    return [...f, rest];
  };
  const weightsH = (p: ParamValues<number>): number[] => {
    const f = fractions.map((n) => p[n]);
    return [...f, 1 - f.reduce((a, b) => a + b, 0)];
  };
  return {
    params: [...new Set([...pdfs.flatMap((d) => d.params), ...fractions])],
    observables: [...new Set(pdfs.flatMap((d) => d.observables))],
    logPdf: (x, p) => {
      const w = weightsT(p);
      return logSumExp0(tf.stack(pdfs.map((d, k) => tf.add(d.logPdf(x, p), tf.log(w[k])))));
    },
    logPdfHost: (x, p) => logSumExpHost(pdfs.map((d) => d.logPdfHost(x, p)), weightsH(p).map((v) => Math.log(v))),
  };
}

/** Product of densities of different observables: log f = Σ log f_k. */
export function product(pdfs: Pdf[]): Pdf {
  const seen = new Set<string>();
  for (const d of pdfs) for (const o of d.observables) {
    if (seen.has(o)) throw new DomainError('product', o, 'factors of a product must use different observables');
    seen.add(o);
  }
  return {
    params: [...new Set(pdfs.flatMap((d) => d.params))],
    observables: [...seen],
    logPdf: (x, p) => pdfs.map((d) => d.logPdf(x, p)).reduce((a, b) => tf.add(a, b)),
    logPdfHost: (x, p) => {
      const parts = pdfs.map((d) => d.logPdfHost(x, p));
      return parts[0].map((_, i) => parts.reduce((s, a) => s + a[i], 0));
    },
  };
}
