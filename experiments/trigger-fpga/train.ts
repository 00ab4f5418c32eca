/**
 * Training and evaluation helpers of the trigger experiment, over the hw
 * module's `trainClassifier` (float, QAT, pruning, HGQ): row-major typed
 * arrays from the jet samples, a double-precision forward pass of the float
 * tagger, and the accuracy of class scores.
 *
 * @example
 * ```ts
 * const { x, y } = flatten(xs, labels);
 * const r = trainClassifier({ sizes: [16, 64, 32, 32, 5], x, y, epochs: 10, batchSize: 256, learningRate: 3e-3, seed: 1 });
 * accuracy(forwardFloat(r.params, xTest), yTest);
 * ```
 */
import { ShapeMismatchError } from '../../src/autodiff/index.js';

/** MLP weights as nested arrays: w [in][out], b [out]. */
export interface MlpWeights {
  layers: { w: number[][]; b: number[] }[];
}

/** Rows and labels as the row-major Float32Array / Int32Array `trainClassifier` takes. */
export function flatten(x: number[][], y: number[]): { x: Float32Array; y: Int32Array } {
  if (x.length !== y.length) throw new ShapeMismatchError('y', [x.length], [y.length]);
  const d = x[0].length;
  const out = new Float32Array(x.length * d);
  x.forEach((r, i) => out.set(r, i * d));
  return { x: out, y: Int32Array.from(y) };
}

/** Float forward pass (double precision) of the MLP: class scores per event. */
export function forwardFloat(wts: MlpWeights, x: number[][]): number[][] {
  return x.map((row) => {
    let h = row;
    wts.layers.forEach((l, i) => {
      const o = l.b.slice();
      for (let r = 0; r < h.length; r++) {
        const hv = h[r];
        if (hv === 0) continue;
        const wr = l.w[r];
        for (let c = 0; c < o.length; c++) o[c] += hv * wr[c];
      }
      h = i < wts.layers.length - 1 ? o.map((v) => Math.max(v, 0)) : o;
    });
    return h;
  });
}

/** Fraction of events whose largest score is the label (first maximum on ties). */
export function accuracy(scores: number[][], y: number[]): number {
  let ok = 0;
  scores.forEach((s, e) => {
    let best = 0;
    for (let i = 1; i < s.length; i++) if (s[i] > s[best]) best = i;
    if (best === y[e]) ok++;
  });
  return ok / y.length;
}
