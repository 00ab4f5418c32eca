/**
 * Samplers returning tensors, each with its gradient estimator stated.
 *
 * | sampler      | estimator                                                                 |
 * |--------------|---------------------------------------------------------------------------|
 * | normal       | pathwise: mean + std·z                                                    |
 * | uniform      | pathwise: lo + (hi − lo)·u                                                |
 * | exponential  | pathwise: −ln(u)/rate                                                     |
 * | gamma        | implicit reparameterization (Figurnov et al. 2018): dz/dα = −∂F/∂α / f    |
 * | poisson      | 'gaussian': λ + √λ·z (moment matching, continuous); 'score': exact draw + log-probability for the score-function estimator; 'none': exact draw, no gradient |
 * | binomial     | 'gaussian': np + √(np(1−p))·z; 'score' and 'none' as for poisson          |
 *
 * All draws are made on the host in float64 from the key's stream, so a key
 * gives the same numbers on every backend.
 */
import { tf, type Tensor } from '../tf.js';
import { PRNGKey } from './key.js';
import { asTensor, broadcastShape, sumToShape } from '../broadcast.js';
import { gammaP, gammaPdf, lgamma } from '../special.js';
import { DomainError } from '../errors.js';
import { stopGradient, customGradient } from '../custom-gradients.js';

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function broadcastValues(x: Tensor, shape: number[]): Float32Array {
  return tf.tidy(() => tf.broadcastTo(x, shape).dataSync() as Float32Array);
}

/** Standard normal draws of the given shape (no parameters, no gradient). */
export function standardNormal(key: PRNGKey, shape: number[]): Tensor {
  return tf.tensor(Float32Array.from(key.normals(size(shape))), shape);
}

/** Normal(mean, std): pathwise gradient in mean and std. */
export function normal(key: PRNGKey, shape: number[], mean: number | Tensor = 0, std: number | Tensor = 1): Tensor {
  return tf.tidy(() => tf.add(asTensor(mean), tf.mul(asTensor(std), standardNormal(key, shape))));
}

/** Uniform(lo, hi): pathwise gradient in lo and hi. */
export function uniform(key: PRNGKey, shape: number[], lo: number | Tensor = 0, hi: number | Tensor = 1): Tensor {
  return tf.tidy(() => {
    const u = tf.tensor(Float32Array.from(key.uniforms(size(shape))), shape);
    const l = asTensor(lo);
    return tf.add(l, tf.mul(tf.sub(asTensor(hi), l), u));
  });
}

/** Exponential(rate): pathwise gradient in rate. */
export function exponential(key: PRNGKey, shape: number[], rate: number | Tensor = 1): Tensor {
  if (typeof rate === 'number' && !(rate > 0)) throw new DomainError('rate', rate, 'must be positive');
  return tf.tidy(() => {
    const e = tf.tensor(Float32Array.from(key.uniforms(size(shape)), (u) => -Math.log(u)), shape);
    return tf.div(e, asTensor(rate));
  });
}

/** One Gamma(a, 1) draw by Marsaglia & Tsang (2000); a < 1 by the boost u^(1/a). */
function drawGamma(a: number, next: () => number, nextNormal: () => number): number {
  if (a < 1) {
    let u = next();
    while (u === 0) u = next();
    return drawGamma(a + 1, next, nextNormal) * Math.pow(u, 1 / a);
  }
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = nextNormal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = next();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

function normalGenerator(next: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u1 = next();
    while (u1 === 0) u1 = next();
    const u2 = next();
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
}

/** dz/da of a Gamma(a, 1) draw at fixed CDF value: −(∂P(a, z)/∂a)/pdf(z). */
function gammaDrawDerivative(a: number, z: number): number {
  const h = Math.max(1e-5 * a, 1e-7);
  const dP = (gammaP(a + h, z) - gammaP(a - h, z)) / (2 * h);
  const pdf = gammaPdf(a, z);
  return pdf > 0 ? -dP / pdf : 0;
}

/**
 * Gamma(alpha, rate) draws: pathwise in rate, implicitly reparameterized in
 * alpha (the derivative of a draw at fixed CDF value, computed in float64).
 */
export function gamma(key: PRNGKey, shape: number[], alpha: number | Tensor, rate: number | Tensor = 1): Tensor {
  const alphaT = asTensor(alpha);
  const outShape = broadcastShape(shape, alphaT.shape, 'alpha');
  const a = broadcastValues(alphaT, outShape);
  a.forEach((v, i) => {
    if (!(v > 0)) throw new DomainError(`alpha[${i}]`, v, 'must be positive');
  });
  const next = key.stream();
  const nn = normalGenerator(next);
  const z = new Float32Array(a.length);
  const dz = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    z[i] = drawGamma(a[i], next, nn);
    dz[i] = gammaDrawDerivative(a[i], z[i]);
  }
  const op = customGradient((al) => ({
    value: tf.tensor(z, outShape),
    gradFunc: (dy) => sumToShape(tf.mul(dy, tf.tensor(dz, outShape)), al.shape),
  }));
  return tf.tidy(() => tf.div(op(alphaT), asTensor(rate)));
}

/** Gradient estimator of a discrete sampler. */
export type DiscreteEstimator = 'gaussian' | 'score' | 'none';

/** A discrete draw: the sample and, for the score estimator, its log-probability. */
export interface DiscreteDraw {
  sample: Tensor;
  /** log p(sample | parameters), differentiable in the parameters ('score' only). */
  logProb?: Tensor;
}

/** One Poisson draw: inversion for small means, PTRS (Hörmann 1993) for large. */
function drawPoisson(lam: number, next: () => number): number {
  if (lam <= 0) return 0;
  if (lam < 10) {
    const l = Math.exp(-lam);
    let k = 0;
    let p = next();
    while (p > l) {
      k++;
      p *= next();
    }
    return k;
  }
  const slam = Math.sqrt(lam);
  const loglam = Math.log(lam);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = next() - 0.5;
    const v = next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lam + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lam + k * loglam - lgamma(k + 1)) return k;
  }
}

/**
 * Poisson(rate) draws. `estimator`: 'gaussian' returns rate + √rate·z
 * (continuous, pathwise; the moment-matched approximation, good for rate ≳ 10);
 * 'score' returns exact integer draws with `logProb` for the score-function
 * estimator (see `scoreFunctionSurrogate`); 'none' returns exact draws.
 */
export function poisson(key: PRNGKey, rate: Tensor | number, estimator: DiscreteEstimator = 'score'): DiscreteDraw {
  const r = asTensor(rate);
  const vals = r.dataSync();
  vals.forEach((v, i) => {
    if (!(v >= 0) || !Number.isFinite(v)) throw new DomainError(`rate[${i}]`, v, 'must be finite and ≥ 0');
  });
  if (estimator === 'gaussian') {
    return { sample: tf.tidy(() => tf.add(r, tf.mul(tf.sqrt(r), standardNormal(key, r.shape)))) };
  }
  const next = key.stream();
  const k = Float32Array.from(vals, (lam) => drawPoisson(lam, next));
  const sample = tf.tensor(k, r.shape);
  if (estimator === 'none') return { sample };
  const lg = tf.tensor(Float32Array.from(k, (v) => lgamma(v + 1)), r.shape);
  const logProb = tf.tidy(() => tf.sub(tf.sub(tf.mul(sample, tf.log(tf.maximum(r, 1e-30))), r), lg));
  lg.dispose();
  return { sample, logProb };
}

/** Binomial(n, p) draws; estimators as for `poisson`. */
export function binomial(key: PRNGKey, n: number | Tensor, p: Tensor | number, estimator: DiscreteEstimator = 'score'): DiscreteDraw {
  const pT = asTensor(p);
  const nT = asTensor(n);
  const shape = broadcastShape(nT.shape, pT.shape, 'n, p');
  const nv = broadcastValues(nT, shape);
  const pv = broadcastValues(pT, shape);
  nv.forEach((v, i) => {
    if (!(Number.isInteger(v) && v >= 0)) throw new DomainError(`n[${i}]`, v, 'must be a non-negative integer');
  });
  pv.forEach((v, i) => {
    if (!(v >= 0 && v <= 1)) throw new DomainError(`p[${i}]`, v, 'must be in [0, 1]');
  });
  if (estimator === 'gaussian') {
    return {
      sample: tf.tidy(() => {
        const np = tf.mul(nT, pT);
        return tf.add(np, tf.mul(tf.sqrt(tf.mul(np, tf.sub(1, pT))), standardNormal(key, shape)));
      }),
    };
  }
  const next = key.stream();
  const k = new Float32Array(nv.length);
  for (let i = 0; i < nv.length; i++) k[i] = drawBinomial(nv[i], pv[i], next);
  const sample = tf.tensor(k, shape);
  if (estimator === 'none') return { sample };
  const logProb = tf.tidy(() => {
    const pc = tf.clipByValue(pT, 1e-7, 1 - 1e-7);
    return tf.add(tf.mul(sample, tf.log(pc)), tf.mul(tf.sub(nT, sample), tf.log(tf.sub(1, pc))));
  });
  return { sample, logProb };
}

/**
 * One exact Binomial(n, p) draw by the waiting-time method: successes are
 * counted by geometric jumps, O(n·min(p, 1−p)) work.
 */
function drawBinomial(n: number, p: number, next: () => number): number {
  if (n === 0 || p === 0) return 0;
  if (p === 1) return n;
  const q = Math.min(p, 1 - p);
  const logq = Math.log1p(-q);
  let pos = 0;
  let count = -1;
  do {
    let u = next();
    while (u === 0) u = next();
    pos += Math.floor(Math.log(u) / logq) + 1;
    count++;
  } while (pos <= n);
  return p <= 0.5 ? count : n - count;
}

/**
 * Score-function (REINFORCE) surrogate: its value equals `f`, and its gradient
 * is the unbiased estimator E[(f − b)·∇log p] + E[∇f]. `baseline` b reduces the
 * variance without adding bias (a running mean of f is a common choice).
 */
export function scoreFunctionSurrogate(f: Tensor, logProb: Tensor, baseline: number | Tensor = 0): Tensor {
  return tf.tidy(() => {
    const adv = stopGradient(tf.sub(f, asTensor(baseline)));
    const weight = tf.sub(logProb, stopGradient(logProb)); // value 0, gradient ∇log p
    return tf.add(f, tf.mul(adv, weight));
  });
}
