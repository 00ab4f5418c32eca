/**
 * Function transforms over parameter trees, as in JAX: `valueAndGrad`, `grad`,
 * `vjp`, `jvp`, `jacobian`, `hessian`. The user writes `f(params) -> scalar`
 * with tensors; the transforms own the tape and the memory (everything runs
 * inside `tidy`), check that values and gradients are finite (naming the
 * parameter's path), and return plain numbers unless asked to keep tensors.
 */
import { tf, type Tensor } from './tf.js';
import { NonFiniteError, ShapeMismatchError, assertAllFinite } from './errors.js';
import { isLeaf, leavesWithPaths, mapTree, unflattenLeaves, layoutOf, type Leaf, type Tree, type TreeLayout } from './tree.js';
import type { Matrix } from './linalg.js';

/** The i-th unit vector of length n (tf.oneHot needs n ≥ 2; one-parameter problems are common). */
function unitVector(n: number, i: number): Tensor {
  const e = new Float32Array(n);
  e[i] = 1;
  return tf.tensor1d(e);
}

/** A plain (number-valued) gradient leaf: a number for scalars, nested arrays otherwise. */
export type PlainLeaf = number | number[] | number[][] | number[][][] | number[][][][];

/** Options of the gradient transforms. */
export interface GradOptions {
  /** Return tensors (owned by the caller) instead of plain numbers. Default false. */
  keep?: boolean;
  /** Check that inputs, value and gradients are finite. Default true. */
  checkFinite?: boolean;
}

/** Result of `valueAndGrad` with plain numbers. */
export interface ValueAndGrad<G> {
  value: number;
  grad: G;
}

function checkScalar(y: unknown): Tensor {
  if (!(y instanceof tf.Tensor)) throw new TypeError(`the differentiated function must return a scalar tensor, got ${typeof y}`);
  if (y.size !== 1) throw new ShapeMismatchError('value', [], y.shape);
  return y.rank === 0 ? y : y.reshape([]);
}

/** Tensor leaves at least this large are checked for NaN/Inf on the device, smaller ones on the host. */
const DEVICE_CHECK_MIN_SIZE = 4096;

function checkInputs(params: Tree<Leaf>): void {
  const large: { path: string; leaf: Tensor }[] = [];
  for (const { path, leaf } of leavesWithPaths<Leaf>(params)) {
    if (typeof leaf === 'number') {
      if (!Number.isFinite(leaf)) throw new NonFiniteError(path || '<root>', leaf, 'parameter');
    } else if (leaf.dtype === 'float32') {
      if (leaf.size >= DEVICE_CHECK_MIN_SIZE) large.push({ path, leaf });
      else assertAllFinite(path || '<root>', leaf.dataSync(), 'parameter');
    }
  }
  if (large.length === 0) return;
  // Large leaves are checked together on the device (one flag read back, not a copy of each);
  // only if that fails are they read to name the offending element.
  const ok = tf.tidy(() => {
    const flat = large.map((t) => t.leaf.reshape([-1]));
    return tf.all(tf.isFinite(flat.length === 1 ? flat[0] : tf.concat(flat))).dataSync()[0] === 1;
  });
  if (ok) return;
  for (const { path, leaf } of large) assertAllFinite(path || '<root>', leaf.dataSync(), 'parameter');
}

/** Nested arrays of `shape` from flat data (several times faster than arraySync on large tensors). */
function nestedArray(data: ArrayLike<number>, shape: readonly number[], offset = 0): PlainLeaf {
  const n = shape[0];
  if (shape.length === 1) {
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = data[offset + i];
    return out;
  }
  const rest = shape.slice(1);
  const stride = rest.reduce((a, b) => a * b, 1);
  const out = new Array<PlainLeaf>(n);
  for (let i = 0; i < n; i++) out[i] = nestedArray(data, rest, offset + i * stride);
  return out as PlainLeaf;
}

function toPlainLeaf(data: ArrayLike<number>, shape: readonly number[], like: Leaf): PlainLeaf {
  if (typeof like === 'number' || shape.length === 0) return data[0];
  return nestedArray(data, shape);
}

/**
 * Value and gradients of `y()` with respect to `xs`; a leaf `y` does not
 * depend on gets a zero gradient (as in JAX) instead of tfjs's error, so a
 * loss may ignore some parameters of a tree.
 */
function gradientsOrZeros(y: () => Tensor, xs: Tensor[]): { value: Tensor; grads: Tensor[] } {
  const engine = tf.engine() as unknown as { gradients(f: () => Tensor, xs: Tensor[], dy: undefined, allowNoGradients: boolean): { value: Tensor; grads: (Tensor | undefined)[] } };
  const { value, grads } = engine.gradients(y, xs, undefined, true);
  return { value, grads: grads.map((g, i) => g ?? tf.zerosLike(xs[i])) };
}

/**
 * `valueAndGrad(f)(params)`: the value of `f` and its gradient with respect to
 * every leaf of `params`, in the same tree structure.
 *
 * @example
 * ```ts
 * const f = (p: any) => tf.sum(tf.square(tf.sub(p.x, 3)));
 * const { value, grad } = valueAndGrad(f)({ x: 1 }); // value 4, grad.x -4
 * ```
 */
export function valueAndGrad<P extends Tree<Leaf>>(
  f: (params: Tree<Tensor>) => Tensor,
  options: GradOptions = {},
): (params: P) => ValueAndGrad<Tree<PlainLeaf>> & { tensors?: { value: Tensor; grad: Tree<Tensor> } } {
  const check = options.checkFinite ?? true;
  return (params: P) => {
    if (check) checkInputs(params);
    const entries = leavesWithPaths<Leaf>(params);
    const paths = entries.map((e) => e.path);
    const { value, grads } = tf.tidy(() => {
      const xs = entries.map((e) => (typeof e.leaf === 'number' ? tf.scalar(e.leaf) : e.leaf));
      return gradientsOrZeros(() => checkScalar(f(unflattenLeaves(params, xs) as Tree<Tensor>)), xs);
    });
    try {
      const v = value.dataSync()[0];
      if (check && !Number.isFinite(v)) throw new NonFiniteError('value', v, 'objective');
      // One read of each gradient serves both the finiteness check and the plain result.
      const data = check || !options.keep ? grads.map((g) => g.dataSync()) : [];
      if (check) data.forEach((d, i) => assertAllFinite(paths[i] || '<root>', d, 'gradient'));
      if (options.keep) {
        const gradTree = unflattenLeaves<Leaf, Tensor>(params, grads) as Tree<Tensor>;
        return { value: v, grad: gradTree as unknown as Tree<PlainLeaf>, tensors: { value, grad: gradTree } };
      }
      const plain = grads.map((g, i) => toPlainLeaf(data[i], g.shape, entries[i].leaf));
      return { value: v, grad: unflattenLeaves<Leaf, PlainLeaf>(params, plain) };
    } finally {
      if (!options.keep) {
        value.dispose();
        grads.forEach((g) => g.dispose());
      }
    }
  };
}

/** `grad(f)(params)`: the gradient tree of `f` (plain numbers unless `keep`). */
export function grad<P extends Tree<Leaf>>(f: (params: Tree<Tensor>) => Tensor, options: GradOptions = {}): (params: P) => Tree<PlainLeaf> {
  const vg = valueAndGrad<P>(f, options);
  return (params: P) => vg(params).grad;
}

/**
 * Tensor-level gradient for use inside differentiated code (nests, so
 * `gradTensors(p => gradTensors(f)(p)...)` differentiates twice). Returns a
 * tree of tensors shaped like `params`.
 */
export function gradTensors(f: (params: Tree<Tensor>) => Tensor): (params: Tree<Tensor>) => Tree<Tensor> {
  return (params) => {
    const entries = leavesWithPaths<Tensor>(params);
    const xs = entries.map((e) => e.leaf);
    const { grads: gs } = gradientsOrZeros(() => checkScalar(f(unflattenLeaves(params, xs) as Tree<Tensor>)), xs);
    return unflattenLeaves<Tensor, Tensor>(params, gs) as Tree<Tensor>;
  };
}

/** Concatenates the leaves of a tensor tree into one flat vector. */
export function flattenTensors(tree: Tree<Tensor>): Tensor {
  const parts = leavesWithPaths<Tensor>(tree).map((e) => e.leaf.reshape([-1]));
  return parts.length === 1 ? parts[0] : tf.concat(parts);
}

/** Splits a flat vector into a tensor tree with the given layout (differentiable). */
export function splitVector(x: Tensor, like: Tree<Leaf>, layout: TreeLayout = layoutOf(like)): Tree<Tensor> {
  const pieces = layout.shapes.map((s, i) => {
    const n = s.reduce((a, b) => a * b, 1);
    return x.slice([layout.offsets[i]], [n]).reshape(s);
  });
  return unflattenLeaves<Leaf, Tensor>(like, pieces) as Tree<Tensor>;
}

/** Result of `hessian`. */
export interface HessianResult {
  /** Names of the scalars in order (`a.b`, `a.w[3]`). */
  names: string[];
  value: number;
  gradient: number[];
  /** Symmetric Hessian matrix, float64 rows. */
  matrix: Matrix;
}

function elementNamesOf(layout: TreeLayout): string[] {
  return layout.paths.flatMap((p, i) => {
    const n = layout.shapes[i].reduce((a, b) => a * b, 1);
    return layout.shapes[i].length === 0 ? [p || '<root>'] : Array.from({ length: n }, (_, j) => `${p}[${j}]`);
  });
}

/**
 * `hessian(f)(params)`: the matrix of second derivatives by reverse-over-reverse
 * differentiation (one second-order backward pass per row), symmetrized.
 * Cost: n second-order passes for n scalars, so meant for fits (tens to a few
 * hundred parameters).
 */
export function hessian<P extends Tree<Leaf>>(f: (params: Tree<Tensor>) => Tensor, options: { checkFinite?: boolean } = {}): (params: P) => HessianResult {
  const check = options.checkFinite ?? true;
  return (params: P) => {
    if (check) checkInputs(params);
    const layout = layoutOf(params);
    const names = elementNamesOf(layout);
    const n = layout.size;
    const g = (x: Tensor) => checkScalar(f(splitVector(x, params, layout)));
    const x0 = tf.tidy(() => flattenTensors(mapTree<Leaf, Tensor>(params, (l) => (typeof l === 'number' ? tf.scalar(l) : l), isLeaf) as Tree<Tensor>));
    try {
      const { value, gradient } = tf.tidy(() => {
        const r = tf.valueAndGrad(g)(x0);
        return { value: r.value.dataSync()[0], gradient: Array.from(r.grad.dataSync()) };
      });
      const rows: number[][] = [];
      for (let i = 0; i < n; i++) {
        const row = tf.tidy(() => {
          const e = unitVector(n, i);
          const hi = tf.grad((x: Tensor) => tf.sum(tf.mul(tf.grad(g)(x), e)))(x0);
          return Array.from(hi.dataSync());
        });
        rows.push(row);
      }
      const matrix = rows.map((r, i) => r.map((v, j) => 0.5 * (v + rows[j][i])));
      if (check) {
        if (!Number.isFinite(value)) throw new NonFiniteError('value', value, 'objective');
        gradient.forEach((v, i) => {
          if (!Number.isFinite(v)) throw new NonFiniteError(names[i], v, 'gradient');
        });
        matrix.forEach((r, i) =>
          r.forEach((v, j) => {
            if (!Number.isFinite(v)) throw new NonFiniteError(`${names[i]},${names[j]}`, v, 'Hessian element');
          }),
        );
      }
      return { names, value, gradient, matrix };
    } finally {
      x0.dispose();
    }
  };
}

/**
 * `vjp(f, xs)`: the output of `f` and a function mapping an output cotangent
 * to input cotangents (tensor level, differentiable, caller's `tidy`).
 */
export function vjp(f: (...xs: Tensor[]) => Tensor, xs: Tensor[]): { out: Tensor; pullback: (ct: Tensor) => Tensor[] } {
  const out = f(...xs);
  return {
    out,
    pullback: (ct: Tensor) => tf.grads((...args: Tensor[]) => tf.sum(tf.mul(f(...args), ct)))(xs),
  };
}

/**
 * Forward-mode product `jvp(f, primals, tangents)` = (f(x), J v), computed by
 * the double-VJP trick: J v = d/du <J^T u, v>. Tensor level.
 */
export function jvp(f: (...xs: Tensor[]) => Tensor, primals: Tensor[], tangents: Tensor[]): { out: Tensor; tangent: Tensor } {
  if (primals.length !== tangents.length) throw new ShapeMismatchError('tangents', [primals.length], [tangents.length]);
  primals.forEach((p, i) => {
    const t = tangents[i];
    if (p.shape.length !== t.shape.length || p.shape.some((d, k) => d !== t.shape[k])) throw new ShapeMismatchError(`tangents[${i}]`, p.shape, t.shape);
  });
  const out = f(...primals);
  const u0 = tf.zerosLike(out);
  const tangent = tf.grad((u: Tensor) => {
    const cts = tf.grads((...args: Tensor[]) => tf.sum(tf.mul(f(...args), u)))(primals);
    return cts.reduce((acc: Tensor, c, i) => tf.add(acc, tf.sum(tf.mul(c, tangents[i]))), tf.scalar(0));
  })(u0);
  return { out, tangent };
}

/**
 * `jacobian(f)(x)` for f: R^n -> R^m on flat inputs: an m x n float64 matrix,
 * one reverse pass per output.
 */
export function jacobian(f: (x: Tensor) => Tensor): (x: ArrayLike<number> | Tensor) => Matrix {
  return (xIn) => {
    const x = xIn instanceof tf.Tensor ? xIn : tf.tensor1d(Array.from(xIn));
    try {
      const m = tf.tidy(() => f(x).size);
      const rows: Matrix = [];
      for (let i = 0; i < m; i++) {
        rows.push(
          tf.tidy(() => {
            const gi = tf.grad((v: Tensor) => f(v).reshape([-1]).slice([i], [1]).sum())(x);
            return Array.from(gi.dataSync());
          }),
        );
      }
      return rows;
    } finally {
      if (!(xIn instanceof tf.Tensor)) x.dispose();
    }
  };
}
