/**
 * Fisher's linear discriminant (R. A. Fisher, Ann. Eugen. 7 (1936) 179), the
 * classical baseline of a learned classifier: the direction
 * w = Σ⁻¹ (μ₁ − μ₀), with Σ the pooled within-class covariance, maximizes
 * the separation of the projected class means in units of the projected
 * spread. It is closed form (one linear solve, in float64 on the host) and,
 * for two Gaussian classes with a common covariance, it is the Bayes-optimal
 * classifier: the score w·x + b below is then exactly the log posterior odds
 * (linear discriminant analysis), so `score > 0` plays the role of a
 * network's `p > 0.5`.
 */
import { DomainError, NonFiniteError, ShapeMismatchError } from '../../autodiff/index.js';
import type { HostArray } from './host-array.js';

/** A fitted discriminant. */
export interface FisherDiscriminant {
  /** Direction w [D] in the units of the features. */
  weights: Float64Array;
  /** Offset b: −w·(μ₀ + μ₁)/2 + ln(n₁/n₀), so that w·x + b is the Gaussian log odds. */
  offset: number;
  /** Class means μ₀, μ₁ [D] of the training events. */
  means: [Float64Array, Float64Array];
  /** Mahalanobis distance Δ = √((μ₁ − μ₀)ᵀ Σ⁻¹ (μ₁ − μ₀)) of the training classes. */
  separation: number;
  /** Training events per class [n₀, n₁]. */
  counts: [number, number];
}

/** Options of `fitFisherDiscriminant`. */
export interface FisherOptions {
  /** Added to the diagonal of the standardized covariance (a correlation matrix). Default 0. */
  ridge?: number;
}

function checkFeatures(features: HostArray, field: string): { n: number; d: number } {
  if (!features || !(features.data instanceof Float32Array) || !Array.isArray(features.shape)) {
    throw new DomainError(field, features, 'must be { data: Float32Array, shape: [events, variables] }');
  }
  if (features.shape.length !== 2) throw new ShapeMismatchError(field, [-1, -1], features.shape);
  const [n, d] = features.shape;
  if (!(Number.isInteger(n) && n >= 1)) throw new DomainError(`${field}.shape[0]`, n, 'needs at least one event');
  if (!(Number.isInteger(d) && d >= 1)) throw new DomainError(`${field}.shape[1]`, d, 'needs at least one variable');
  if (features.data.length !== n * d) throw new ShapeMismatchError(`${field}.data`, [n * d], [features.data.length]);
  for (let i = 0; i < n * d; i++) {
    if (!Number.isFinite(features.data[i])) throw new NonFiniteError(`${field}[event ${Math.floor(i / d)}, variable ${i % d}]`, features.data[i]);
  }
  return { n, d };
}

/** Cholesky factor L (row-major, lower) of a symmetric matrix, or the index of the first non-positive pivot. */
function cholesky(a: Float64Array, d: number): Float64Array | number {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j];
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
      if (i === j) {
        // A pivot this small relative to the unit diagonal means a variable is (nearly) a linear combination of the others.
        if (!(s > 1e-10)) return i;
        l[i * d + i] = Math.sqrt(s);
      } else {
        l[i * d + j] = s / l[j * d + j];
      }
    }
  }
  return l;
}

/**
 * Fits the discriminant of events `features` [N, D] with labels 0/1: class
 * means, pooled covariance (each class about its own mean, divided by
 * N − 2), and w = Σ⁻¹ (μ₁ − μ₀) by a Cholesky solve on the standardized
 * variables (so that variables in cm and in fractions are equally well
 * conditioned). Throws naming the field if a value is not finite, a label
 * is not 0 or 1, a class has fewer than two events, or the covariance is
 * singular (a constant variable or one that is a linear combination of
 * others — drop it, or give a `ridge`).
 *
 * @example
 * ```ts
 * const f = fitFisherDiscriminant({ data: Float32Array.from([0, 0, 1, 0, 0, 1, 3, 3, 4, 3, 3, 4]), shape: [6, 2] }, [0, 0, 0, 1, 1, 1]);
 * fisherScores(f, { data: Float32Array.from([3, 3]), shape: [1, 2] }); // > 0: class 1
 * ```
 */
export function fitFisherDiscriminant(features: HostArray, labels: ArrayLike<number>, opts: FisherOptions = {}): FisherDiscriminant {
  const { n, d } = checkFeatures(features, 'features');
  if (!labels || labels.length !== n) throw new ShapeMismatchError('labels', [n], [labels?.length ?? 0]);
  const ridge = opts.ridge ?? 0;
  if (!(Number.isFinite(ridge) && ridge >= 0)) throw new DomainError('ridge', ridge, 'must be finite and ≥ 0');
  const x = features.data;
  const counts: [number, number] = [0, 0];
  const means: [Float64Array, Float64Array] = [new Float64Array(d), new Float64Array(d)];
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    if (l !== 0 && l !== 1) throw new DomainError(`labels[${i}]`, l, 'must be 0 or 1');
    counts[l]++;
    for (let j = 0; j < d; j++) means[l][j] += x[i * d + j];
  }
  for (const c of [0, 1] as const) {
    if (counts[c] < 2) throw new DomainError('labels', { class0: counts[0], class1: counts[1] }, `class ${c} needs at least two events (a covariance needs two)`);
    for (let j = 0; j < d; j++) means[c][j] /= counts[c];
  }
  const cov = new Float64Array(d * d);
  const r = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const m = means[labels[i] as 0 | 1];
    for (let j = 0; j < d; j++) r[j] = x[i * d + j] - m[j];
    for (let j = 0; j < d; j++) for (let k = 0; k <= j; k++) cov[j * d + k] += r[j] * r[k];
  }
  for (let j = 0; j < d; j++) {
    for (let k = 0; k <= j; k++) {
      cov[j * d + k] /= n - 2;
      cov[k * d + j] = cov[j * d + k];
    }
  }
  const sd = Float64Array.from({ length: d }, (_, j) => Math.sqrt(cov[j * d + j]));
  sd.forEach((s, j) => {
    if (!(s > 0)) throw new DomainError(`features[:, ${j}]`, s, 'has no spread within the classes (a constant variable): drop it');
  });
  // Correlation matrix plus ridge; solve R u = δ with δ the standardized mean difference.
  const corr = Float64Array.from(cov, (v, i) => v / (sd[Math.floor(i / d)] * sd[i % d]) + (Math.floor(i / d) === i % d ? ridge : 0));
  const chol = cholesky(corr, d);
  if (typeof chol === 'number') throw new DomainError(`features[:, ${chol}]`, `pivot of variable ${chol}`, 'makes the within-class covariance singular (a linear combination of the variables before it): drop it or give a ridge');
  const delta = Float64Array.from({ length: d }, (_, j) => (means[1][j] - means[0][j]) / sd[j]);
  const z = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = delta[i];
    for (let k = 0; k < i; k++) s -= chol[i * d + k] * z[k];
    z[i] = s / chol[i * d + i];
  }
  const u = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < d; k++) s -= chol[k * d + i] * u[k];
    u[i] = s / chol[i * d + i];
  }
  const weights = Float64Array.from(u, (v, j) => v / sd[j]);
  let separation2 = 0;
  let offset = Math.log(counts[1] / counts[0]);
  for (let j = 0; j < d; j++) {
    separation2 += u[j] * delta[j];
    offset -= (weights[j] * (means[0][j] + means[1][j])) / 2;
  }
  return { weights, offset, means, separation: Math.sqrt(Math.max(separation2, 0)), counts };
}

/**
 * Scores w·x + b of events [N, D] (the Gaussian log odds of class 1).
 *
 * @example
 * ```ts
 * const s = fisherScores(fitFisherDiscriminant(train, trainLabels), test); // rocAuc(s, testLabels)
 * ```
 */
export function fisherScores(f: FisherDiscriminant, features: HostArray): Float64Array {
  const { n, d } = checkFeatures(features, 'features');
  if (d !== f.weights.length) throw new ShapeMismatchError('features.shape[1]', [f.weights.length], [d]);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = f.offset;
    for (let j = 0; j < d; j++) s += f.weights[j] * features.data[i * d + j];
    out[i] = s;
  }
  return out;
}
