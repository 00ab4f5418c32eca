/**
 * Figures of merit: the energy response mean(E_pred/E_true) in bins of the
 * true energy with its standard error, the paired difference of two
 * estimators' responses on the same events, and classifier accuracy and
 * ROC AUC.
 */
import { DomainError, NonFiniteError, ShapeMismatchError } from '../../autodiff/index.js';

/** One bin of a response measurement. */
export interface ResponseBin {
  loGeV: number;
  hiGeV: number;
  count: number;
  /** mean of E_pred / E_true (or of the paired difference). */
  mean: number;
  /** Standard error of the mean. */
  stdErr: number;
}

function checkEdges(edges: number[]): void {
  if (!Array.isArray(edges) || edges.length < 2) throw new DomainError('edges', edges, 'needs at least two bin edges');
  edges.forEach((e, i) => {
    if (!Number.isFinite(e)) throw new NonFiniteError(`edges[${i}]`, e);
    if (i > 0 && !(e > edges[i - 1])) throw new DomainError(`edges[${i}]`, e, 'edges must increase');
  });
}

function binned(eTrue: ArrayLike<number>, value: (i: number) => number, edges: number[]): ResponseBin[] {
  checkEdges(edges);
  return edges.slice(0, -1).map((lo, b) => {
    const hi = edges[b + 1];
    let n = 0;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < eTrue.length; i++) {
      if (eTrue[i] >= lo && eTrue[i] < hi) {
        const v = value(i);
        n++;
        s += v;
        s2 += v * v;
      }
    }
    const mean = n > 0 ? s / n : NaN;
    const variance = n > 1 ? (s2 - n * mean * mean) / (n - 1) : NaN;
    return { loGeV: lo, hiGeV: hi, count: n, mean, stdErr: n > 1 ? Math.sqrt(Math.max(variance, 0) / n) : NaN };
  });
}

function checkPair(a: ArrayLike<number>, b: ArrayLike<number>, na: string, nb: string): void {
  if (a.length !== b.length) throw new ShapeMismatchError(nb, [a.length], [b.length]);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) throw new NonFiniteError(`${na}[${i}]`, a[i]);
    if (!Number.isFinite(b[i])) throw new NonFiniteError(`${nb}[${i}]`, b[i]);
  }
}

/**
 * mean(E_pred / E_true) per bin of E_true.
 *
 * @example
 * ```ts
 * responseInBins([1, 2, 4], [1.1, 2, 4], [0, 3, 5]); // [{ mean: 1.05, count: 2, … }, { mean: 1, count: 1, … }]
 * ```
 */
export function responseInBins(eTrue: ArrayLike<number>, ePred: ArrayLike<number>, edges: number[]): ResponseBin[] {
  checkPair(eTrue, ePred, 'eTrue', 'ePred');
  for (let i = 0; i < eTrue.length; i++) if (!(eTrue[i] > 0)) throw new DomainError(`eTrue[${i}]`, eTrue[i], 'must be > 0');
  return binned(eTrue, (i) => ePred[i] / eTrue[i], edges);
}

/**
 * mean(E_a/E_true − E_b/E_true) per bin, with the standard error of the
 * per-event differences (the two estimators see the same events, so most
 * of their fluctuation cancels).
 *
 * @example
 * ```ts
 * pairedResponseDifference(eTrue, predTrainedOnPriorA, predTrainedOnPriorB, [1, 2, 4, 8]);
 * ```
 */
export function pairedResponseDifference(eTrue: ArrayLike<number>, a: ArrayLike<number>, b: ArrayLike<number>, edges: number[]): ResponseBin[] {
  checkPair(eTrue, a, 'eTrue', 'a');
  checkPair(eTrue, b, 'eTrue', 'b');
  for (let i = 0; i < eTrue.length; i++) if (!(eTrue[i] > 0)) throw new DomainError(`eTrue[${i}]`, eTrue[i], 'must be > 0');
  return binned(eTrue, (i) => (a[i] - b[i]) / eTrue[i], edges);
}

/**
 * Fraction of events with (score > threshold) === (label === 1).
 *
 * @example
 * ```ts
 * accuracy([0.9, 0.2], [1, 0]); // 1
 * ```
 */
export function accuracy(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold = 0.5): number {
  checkPair(scores, labels, 'scores', 'labels');
  if (scores.length === 0) throw new DomainError('scores', [], 'needs at least one event');
  let ok = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i] > threshold === (labels[i] === 1)) ok++;
  return ok / scores.length;
}

/**
 * Area under the ROC curve: the probability that a random positive scores
 * above a random negative (ties count ½), by ranks.
 *
 * @example
 * ```ts
 * rocAuc([0.9, 0.8, 0.1], [1, 0, 0]); // 1
 * ```
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkPair(scores, labels, 'scores', 'labels');
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((p, q) => scores[p] - scores[q]);
  let pos = 0;
  let rankSum = 0;
  for (let r = 0; r < idx.length; ) {
    let e = r;
    while (e + 1 < idx.length && scores[idx[e + 1]] === scores[idx[r]]) e++;
    const mid = (r + e) / 2 + 1;
    for (let k = r; k <= e; k++) {
      const l = labels[idx[k]];
      if (l !== 0 && l !== 1) throw new DomainError(`labels[${idx[k]}]`, l, 'must be 0 or 1');
      if (l === 1) {
        pos++;
        rankSum += mid;
      }
    }
    r = e + 1;
  }
  const neg = idx.length - pos;
  if (pos === 0 || neg === 0) throw new DomainError('labels', { positives: pos, negatives: neg }, 'need both classes for an AUC');
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}
