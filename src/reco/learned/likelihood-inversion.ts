/**
 * Maximum-likelihood calibration of a summary by inversion of its
 * likelihood: fit p(s | E) = N(s; μ(E), σ(E)) — a Gaussian ansatz for the
 * likelihood of a summary s (e.g. a regression's output) given the true
 * energy — by maximum likelihood, then estimate Ê(s) = argmax_E p(s | E).
 * The fit conditions on E, so the training spectrum only decides where μ
 * and σ are well measured, not where the maximum lies: the estimate does not
 * depend on the prior (Gambhir, Nachman, Thaler, arXiv:2205.05084, where
 * calibrating by inverting the response is the prior-independent
 * alternative to regressing E directly). μ and ln σ are an MLP of E.
 */
import { tf, nn, ParamSet, adam, cosineDecay, DomainError, NonFiniteError, ShapeMismatchError, type PRNGKey, type Tensor, type Tree } from '../../autodiff/index.js';
import { trainOnBatches } from './train.js';

/** Options of `fitSummaryLikelihood`. */
export interface SummaryLikelihoodOptions {
  /** The range of true energies [GeV] the fit covers (the training range). */
  minGeV: number;
  maxGeV: number;
  /** Hidden sizes of the MLP E → (μ, ln σ). Default [16, 16]. */
  hidden?: number[];
  steps?: number;
  batchSize?: number;
  key: PRNGKey;
}

/** A fitted likelihood p(s | E). */
export interface SummaryLikelihood {
  params: ParamSet;
  minGeV: number;
  maxGeV: number;
  /** Scale of s used in the fit (s / sScale is O(1)). */
  sScale: number;
  /** Final negative log-likelihood per event (in units of s/sScale). */
  finalNll: number;
}

function uOf(eGeV: Tensor, lo: number, hi: number): Tensor {
  return tf.div(tf.sub(eGeV, 0.5 * (lo + hi)), 0.5 * (hi - lo));
}

/** μ(E) and ln σ(E) (tensor level), E [N] → two [N] tensors, in units of s/sScale. */
function heads(p: Tree<Tensor>, eGeV: Tensor, lo: number, hi: number): { mu: Tensor; logSigma: Tensor } {
  const n = eGeV.shape[0];
  const out = nn.mlpApply(p, uOf(eGeV, lo, hi).reshape([n, 1]), { activation: 'tanh' });
  return { mu: tf.slice(out, [0, 0], [n, 1]).reshape([n]), logSigma: tf.slice(out, [0, 1], [n, 1]).reshape([n]) };
}

/**
 * Gaussian negative log-likelihood of s given E under the MLP (tensor level).
 *
 * @example
 * ```ts
 * const nll = summaryNll(p, tf.tensor1d([1.1]), tf.tensor1d([1]), 0.5, 2); // scalar
 * ```
 */
export function summaryNll(p: Tree<Tensor>, s: Tensor, eGeV: Tensor, lo: number, hi: number): Tensor {
  if (s.rank !== 1 || eGeV.rank !== 1 || s.shape[0] !== eGeV.shape[0]) throw new ShapeMismatchError('s (as eGeV)', [eGeV.shape[0] as number], s.shape);
  return tf.tidy(() => {
    const { mu, logSigma } = heads(p, eGeV, lo, hi);
    return tf.mean(tf.add(logSigma, tf.mul(0.5, tf.square(tf.div(tf.sub(s, mu), tf.exp(logSigma))))));
  });
}

function checkPairs(s: ArrayLike<number>, e: ArrayLike<number>): void {
  if (s.length !== e.length) throw new ShapeMismatchError('summary', [e.length], [s.length]);
  if (s.length < 2) throw new DomainError('summary', s.length, 'needs at least two events');
  for (let i = 0; i < s.length; i++) {
    if (!Number.isFinite(s[i])) throw new NonFiniteError(`summary[${i}]`, s[i]);
    if (!(Number.isFinite(e[i]) && e[i] > 0)) throw new DomainError(`eTrueGeV[${i}]`, e[i], 'must be finite and > 0');
  }
}

/**
 * Fits p(s | E) on pairs (summary, true energy).
 *
 * @example
 * ```ts
 * const lik = fitSummaryLikelihood(msePredictionGeV, eTrue, { minGeV: 1, maxGeV: 20, key: prngKey(3) });
 * const eHat = invertSummaryLikelihood(lik, testPredictionGeV);
 * ```
 */
export function fitSummaryLikelihood(summary: ArrayLike<number>, eTrueGeV: ArrayLike<number>, o: SummaryLikelihoodOptions): SummaryLikelihood {
  checkPairs(summary, eTrueGeV);
  if (!(o.minGeV > 0 && o.maxGeV > o.minGeV)) throw new DomainError('maxGeV', o.maxGeV, `must exceed minGeV (${o.minGeV}) > 0`);
  let m = 0;
  for (let i = 0; i < summary.length; i++) m += Math.abs(summary[i]);
  const sScale = m / summary.length || 1;
  const n = summary.length;
  const ps = new ParamSet(nn.mlpInit(o.key.fold('init'), [1, ...(o.hidden ?? [16, 16]), 2]));
  const steps = o.steps ?? 800;
  const r = trainOnBatches({
    params: ps,
    data: { s: { data: Float32Array.from(summary, (v) => v / sScale), shape: [n] }, e: { data: Float32Array.from(eTrueGeV), shape: [n] } },
    batchSize: o.batchSize ?? 512,
    steps,
    key: o.key.fold('batches'),
    optimizer: adam({ learningRate: cosineDecay(1e-2, steps, 1e-4) }),
    loss: (p, b) => summaryNll(p, b.s, b.e, o.minGeV, o.maxGeV),
  });
  return { params: r.params, minGeV: o.minGeV, maxGeV: o.maxGeV, sScale, finalNll: r.history.at(-1)?.loss ?? NaN };
}

/**
 * Ê = argmax_E N(s; μ(E), σ(E)) for each summary: a grid search over the
 * fitted range widened by `extend` of its width on each side (never below
 * a quarter of its lower end), refined by a parabola through the best grid
 * point and its neighbours.
 *
 * @example
 * ```ts
 * invertSummaryLikelihood(lik, Float32Array.of(5.2, 11.9)); // two energies [GeV]
 * ```
 */
export function invertSummaryLikelihood(lik: SummaryLikelihood, summary: ArrayLike<number>, opts: { gridPoints?: number; extend?: number } = {}): Float32Array {
  const g = opts.gridPoints ?? 1024;
  const ext = opts.extend ?? 0.1;
  if (!(Number.isInteger(g) && g >= 8)) throw new DomainError('gridPoints', g, 'must be an integer ≥ 8');
  for (let i = 0; i < summary.length; i++) if (!Number.isFinite(summary[i])) throw new NonFiniteError(`summary[${i}]`, summary[i]);
  const { minGeV: lo, maxGeV: hi } = lik;
  const a = Math.max(lo - ext * (hi - lo), lo / 4);
  const b = hi + ext * (hi - lo);
  const grid = Float32Array.from({ length: g }, (_, k) => a + ((b - a) * k) / (g - 1));
  const { mu, ls } = tf.tidy(() => {
    const h = heads(lik.params.constantTree(), tf.tensor1d(grid), lo, hi);
    return { mu: h.mu.dataSync().slice(), ls: h.logSigma.dataSync().slice() };
  });
  const out = new Float32Array(summary.length);
  const ll = new Float64Array(g);
  for (let i = 0; i < summary.length; i++) {
    const s = summary[i] / lik.sScale;
    let best = 0;
    for (let k = 0; k < g; k++) {
      const d = (s - mu[k]) / Math.exp(ls[k]);
      ll[k] = -ls[k] - 0.5 * d * d;
      if (ll[k] > ll[best]) best = k;
    }
    let e = grid[best];
    if (best > 0 && best < g - 1) {
      const den = ll[best - 1] - 2 * ll[best] + ll[best + 1];
      if (den < 0) e += (0.5 * (ll[best - 1] - ll[best + 1]) / den) * (grid[1] - grid[0]);
    }
    out[i] = e;
  }
  return out;
}
