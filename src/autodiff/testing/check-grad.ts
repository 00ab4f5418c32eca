/**
 * Gradient checking: autodiff against central finite differences, with
 * tolerances suited to float32. The finite-difference noise floor
 * (≈ 4·ε₃₂·|f|/h) is added to the absolute tolerance automatically, so a
 * check fails only on a disagreement larger than float32 can explain.
 */
import { tf, type Tensor } from '../tf.js';
import { valueAndGrad } from '../transforms.js';
import { flattenToVector, unflattenFromVector, elementNames, type Leaf, type Tree } from '../tree.js';
import { PRNGKey } from '../random/key.js';

/** Options of `checkGrad`. */
export interface CheckGradOptions {
  /** Relative step: h = eps·max(|x|, scale). Default 1e-3. */
  eps?: number;
  /** Floor of the step's scale, for parameters near zero. Default 1. */
  scale?: number | ((name: string) => number);
  /** Relative tolerance. Default 2e-2. */
  rtol?: number;
  /** Absolute tolerance (before the noise floor is added). Default 1e-4. */
  atol?: number;
  /** At most this many elements are checked (chosen by a seeded draw). Default 24. */
  maxElements?: number;
  /** Seed for choosing elements. Default 0. */
  seed?: number;
  /** Use Richardson extrapolation of two steps (h and h/2). Default false. */
  richardson?: boolean;
}

/** One checked element. */
export interface GradCheckEntry {
  name: string;
  autodiff: number;
  finiteDifference: number;
  absError: number;
  tolerance: number;
  ok: boolean;
}

/** Result of `checkGrad`. */
export interface GradCheckResult {
  ok: boolean;
  value: number;
  entries: GradCheckEntry[];
  /** The entry with the largest error relative to its tolerance. */
  worst: GradCheckEntry | undefined;
}

function evalAt(f: (p: Tree<Tensor>) => Tensor, like: Tree<Leaf>, vec: Float64Array): number {
  return tf.tidy(() => f(toTensorTree(unflattenFromVector(like, vec))).dataSync()[0]);
}

function toTensorTree(tree: Tree<Leaf>): Tree<Tensor> {
  if (typeof tree === 'number') return tf.scalar(tree);
  if (tree instanceof tf.Tensor) return tree;
  if (Array.isArray(tree)) return tree.map((t) => toTensorTree(t));
  const out: Record<string, Tree<Tensor>> = {};
  for (const [k, v] of Object.entries(tree)) out[k] = toTensorTree(v as Tree<Leaf>);
  return out;
}

/**
 * Compares the autodiff gradient of `f` at `params` with central finite
 * differences, element by element.
 *
 * @example
 * ```ts
 * const r = checkGrad((p) => tf.sum(tf.exp(p.x)), { x: 0.3 });
 * r.ok; // true
 * ```
 */
export function checkGrad(f: (params: Tree<Tensor>) => Tensor, params: Tree<Leaf>, options: CheckGradOptions = {}): GradCheckResult {
  const eps = options.eps ?? 1e-3;
  const rtol = options.rtol ?? 2e-2;
  const atol = options.atol ?? 1e-4;
  const maxEl = options.maxElements ?? 24;
  const { value, grad } = valueAndGrad(f, { keep: false })(params as Tree<Leaf>);
  const adFlat = flattenToVector(plainToLeaves(grad as Tree<unknown>));
  const x0 = flattenToVector(params);
  const names = elementNames(params);
  let idx = Array.from(x0, (_, i) => i);
  if (idx.length > maxEl) {
    const u = PRNGKey.fromSeed(options.seed ?? 0).uniforms(idx.length);
    idx = idx.sort((a, b) => u[a] - u[b]).slice(0, maxEl).sort((a, b) => a - b);
  }
  const entries: GradCheckEntry[] = idx.map((i) => {
    const sc = typeof options.scale === 'function' ? options.scale(names[i]) : (options.scale ?? 1);
    const h = eps * Math.max(Math.abs(x0[i]), sc);
    const central = (step: number) => {
      const xp = Float64Array.from(x0);
      const xm = Float64Array.from(x0);
      xp[i] += step;
      xm[i] -= step;
      const hp = Math.fround(xp[i]) - Math.fround(x0[i]);
      const hm = Math.fround(x0[i]) - Math.fround(xm[i]);
      return (evalAt(f, params, xp) - evalAt(f, params, xm)) / (hp + hm);
    };
    const d1 = central(h);
    const fd = options.richardson ? (4 * central(h / 2) - d1) / 3 : d1;
    const noise = (4 * 1.2e-7 * Math.max(Math.abs(value), 1e-30)) / h;
    const ad = adFlat[i];
    const absError = Math.abs(ad - fd);
    const tolerance = atol + noise + rtol * Math.max(Math.abs(ad), Math.abs(fd));
    return { name: names[i], autodiff: ad, finiteDifference: fd, absError, tolerance, ok: absError <= tolerance && Number.isFinite(ad) };
  });
  const worst = entries.reduce<GradCheckEntry | undefined>((w, e) => (!w || e.absError / e.tolerance > w.absError / w.tolerance ? e : w), undefined);
  return { ok: entries.every((e) => e.ok), value, entries, worst };
}

function plainToLeaves(tree: Tree<unknown>): Tree<Leaf> {
  if (typeof tree === 'number') return tree;
  if (Array.isArray(tree)) {
    // nested numeric arrays (a tensor gradient) become one tensor leaf
    if (tree.length === 0 || typeof tree[0] === 'number' || Array.isArray(tree[0])) return tf.tensor(tree as number[]);
  }
  if (tree instanceof tf.Tensor) return tree;
  const out: Record<string, Tree<Leaf>> = {};
  for (const [k, v] of Object.entries(tree as object)) out[k] = plainToLeaves(v as Tree<unknown>);
  return out;
}

/** Formats a check as a table, worst first. */
export function formatGradCheck(r: GradCheckResult): string {
  const rows = [...r.entries].sort((a, b) => b.absError / b.tolerance - a.absError / a.tolerance);
  return rows
    .map((e) => `${e.ok ? ' ' : '✗'} ${e.name.padEnd(28)} autodiff ${e.autodiff.toPrecision(6).padStart(13)}  fd ${e.finiteDifference.toPrecision(6).padStart(13)}  |err| ${e.absError.toExponential(2)}  tol ${e.tolerance.toExponential(2)}`)
    .join('\n');
}

/** Throws an Error with the comparison table unless the gradient checks out. */
export function assertGradClose(f: (params: Tree<Tensor>) => Tensor, params: Tree<Leaf>, options: CheckGradOptions = {}): GradCheckResult {
  const r = checkGrad(f, params, options);
  if (!r.ok) throw new Error(`gradient check failed at ${JSON.stringify(summarize(params))}:\n${formatGradCheck(r)}`);
  return r;
}

function summarize(params: Tree<Leaf>): unknown {
  if (typeof params === 'number') return params;
  if (params instanceof tf.Tensor) return params.size <= 8 ? Array.from(params.dataSync()) : `tensor[${params.shape}]`;
  if (Array.isArray(params)) return params.map((p) => summarize(p));
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, summarize(v as Tree<Leaf>)]));
}
