/**
 * Likelihood ratios by classification (CARL, Cranmer, Pavez & Louppe,
 * arXiv:1506.02169; DCTR, Andreassen & Nachman, arXiv:1907.08209): a
 * classifier f trained with balanced binary cross-entropy to separate
 * sample 1 from sample 0 gives r(x) = f/(1 − f) = p₁(x)/p₀(x), i.e. its
 * logit is the log-likelihood ratio. A parameterized classifier f(x, θ),
 * trained on samples drawn at many θ against one reference sample, gives
 * log p(x|θ) − log p_ref(x) = logit f(x, θ), so maximizing Σᵢ logit f(xᵢ, θ)
 * over θ is a maximum-likelihood fit of θ to data.
 *
 * The classifier here is a generalized linear model on user-chosen features
 * φ(x, θ) (convex BCE, fitted by `migrad` with autodiff gradients): exact
 * when log r lies in the span of the features. Any differentiable network
 * with the same `logit(x, θ)` signature can replace it.
 */
import { tf, type Tensor, DomainError, NonFiniteError } from '../../autodiff/index.js';
import { migrad } from '../fit/migrad.js';

/** Features φ(x, θ) → [N, F] for events x [N, D] and (optional) parameters θ [N, P]. */
export type FeatureMap = (x: Tensor, theta?: Tensor) => Tensor;

/** A trained classifier: the logit as a tensor function. */
export interface LinearClassifier {
  weights: number[];
  /** logit f(x, θ) = φ(x, θ)·w (tensor, differentiable in x and θ). */
  logit(x: Tensor, theta?: Tensor): Tensor;
}

function asMatrix(rows: number[][], field: string): Tensor {
  if (rows.length === 0) throw new DomainError(field, 0, 'expected at least one event');
  const d = rows[0].length;
  rows.forEach((r, i) => {
    if (r.length !== d) throw new DomainError(`${field}[${i}]`, r.length, `expected ${d} columns`);
    r.forEach((v, j) => {
      if (!Number.isFinite(v)) throw new NonFiniteError(`${field}[${i}][${j}]`, v);
    });
  });
  return tf.tensor2d(rows);
}

/**
 * Trains a logistic classifier of sample 1 (label 1) vs sample 0 (label 0)
 * on features φ, with class weights balancing the two samples. `theta0/1`
 * hold each event's parameter values for a parameterized classifier.
 *
 * @example
 * ```ts
 * const clf = trainClassifier((x) => tf.concat([tf.onesLike(x), x, tf.square(x)], 1), x0, x1);
 * const w = likelihoodRatioWeights(clf, x0); // reweights sample 0 to sample 1
 * ```
 */
export function trainClassifier(features: FeatureMap, x0: number[][], x1: number[][], options: { theta0?: number[][]; theta1?: number[][]; l2?: number } = {}): LinearClassifier {
  const l2 = options.l2 ?? 1e-6;
  const X = tf.tidy(() => tf.concat([asMatrix(x0, 'x0'), asMatrix(x1, 'x1')], 0));
  const T = options.theta0 && options.theta1 ? tf.tidy(() => tf.concat([asMatrix(options.theta0!, 'theta0'), asMatrix(options.theta1!, 'theta1')], 0)) : undefined;
  const phi = tf.tidy(() => features(X, T));
  const labels = tf.tensor1d([...x0.map(() => 0), ...x1.map(() => 1)]);
  const cw = tf.tensor1d([...x0.map(() => 0.5 / x0.length), ...x1.map(() => 0.5 / x1.length)]);
  const nf = phi.shape[1] as number;
  const bce = (w: Tensor) => {
    const z = tf.squeeze(tf.matMul(phi, tf.reshape(w, [nf, 1])), [1]);
    // BCE with logits: softplus(z) − y z, weighted per class.
    const per = tf.sub(tf.softplus(z), tf.mul(labels, z));
    return tf.add(tf.sum(tf.mul(per, cw)), tf.mul(l2, tf.sum(tf.square(w))));
  };
  try {
    const r = migrad(
      {
        value: (w) => tf.tidy(() => bce(tf.tensor1d(w)).dataSync()[0]),
        gradient: (w) => tf.tidy(() => Array.from(tf.grad(bce)(tf.tensor1d(w)).dataSync())),
      },
      new Array<number>(nf).fill(0),
      { tol: 1e-6, errordef: 0.5 },
    );
    const weights = r.x;
    return {
      weights,
      logit: (x, theta) => tf.squeeze(tf.matMul(features(x, theta), tf.reshape(tf.tensor1d(weights), [nf, 1])), [1]),
    };
  } finally {
    X.dispose();
    T?.dispose();
    phi.dispose();
    labels.dispose();
    cw.dispose();
  }
}

/** r(x) = f/(1 − f) = exp(logit) for each event: weights that morph sample 0 into sample 1. */
export function likelihoodRatioWeights(clf: LinearClassifier, x: number[][]): number[] {
  return tf.tidy(() => Array.from(tf.exp(clf.logit(asMatrix(x, 'x'))).dataSync()));
}

/**
 * Fits θ to `data` with a parameterized classifier: θ̂ = argmax Σᵢ logit f(xᵢ, θ)
 * (the log-likelihood ratio to the reference), by `migrad` with autodiff
 * gradients in θ. Returns θ̂ and its HESSE-style error from the curvature.
 */
export function fitParameterWithClassifier(clf: LinearClassifier, data: number[][], theta0: number[], options: { bounds?: ([number, number] | null)[] } = {}): { theta: number[]; errors: number[] } {
  const X = asMatrix(data, 'data');
  const n = data.length;
  const nllOf = (th: Tensor) => tf.neg(tf.sum(clf.logit(X, tf.tile(tf.reshape(th, [1, -1]), [n, 1]))));
  try {
    const r = migrad(
      {
        value: (t) => tf.tidy(() => nllOf(tf.tensor1d(t)).dataSync()[0]),
        gradient: (t) => tf.tidy(() => Array.from(tf.grad(nllOf)(tf.tensor1d(t)).dataSync())),
      },
      theta0,
      { bounds: options.bounds, tol: 1e-4, errordef: 0.5 },
    );
    // Curvature by central differences of the autodiff gradient (θ is low-dimensional).
    const g = (t: number[]) => tf.tidy(() => Array.from(tf.grad(nllOf)(tf.tensor1d(t)).dataSync()));
    const errors = r.x.map((v, i) => {
      const h = 1e-3 * Math.max(1, Math.abs(v));
      const a = r.x.slice();
      const b = r.x.slice();
      a[i] += h;
      b[i] -= h;
      const curv = (g(a)[i] - g(b)[i]) / (2 * h);
      return curv > 0 ? 1 / Math.sqrt(curv) : NaN;
    });
    return { theta: r.x, errors };
  } finally {
    X.dispose();
  }
}
