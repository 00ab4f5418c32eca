/**
 * Parameter trees: nested plain objects and arrays whose leaves are numbers or
 * tensors, as JAX's pytrees. Leaves are visited in a fixed order (object keys in
 * insertion order, arrays by index) and named by dotted paths such as
 * `lartpc.lifetime` or `mlp.layers.0.w`.
 */
import { tf, type Tensor } from './tf.js';
import { DiffhepError } from './errors.js';

/** A leaf of a parameter tree. */
export type Leaf = number | Tensor;
/** A nested object/array of leaves. */
export type Tree<L = Leaf> = L | TreeObject<L> | Tree<L>[];
/** An object node of a tree. */
export interface TreeObject<L = Leaf> {
  [key: string]: Tree<L>;
}

/** A tree with the same structure but leaves of type L. */
export type MapLeaves<T, L> = T extends number | Tensor
  ? L
  : T extends (infer E)[]
    ? MapLeaves<E, L>[]
    : T extends object
      ? { [K in keyof T]: MapLeaves<T[K], L> }
      : L;

/** True for the values treated as leaves: numbers and tensors. */
export function isLeaf(x: unknown): x is Leaf {
  return typeof x === 'number' || x instanceof tf.Tensor;
}

function isNode(x: unknown): x is TreeObject<unknown> | unknown[] {
  return Array.isArray(x) || (typeof x === 'object' && x !== null && !(x instanceof tf.Tensor));
}

/** Joins a parent path and a key. */
export function joinPath(parent: string, key: string | number): string {
  return parent === '' ? String(key) : `${parent}.${key}`;
}

/** Visits every leaf with its path, in the tree's fixed order. */
export function forEachLeaf<L>(tree: Tree<L>, fn: (leaf: L, path: string) => void, isL: (x: unknown) => boolean = isLeaf, path = ''): void {
  if (isL(tree)) {
    fn(tree as L, path);
    return;
  }
  if (Array.isArray(tree)) {
    tree.forEach((t, i) => forEachLeaf(t, fn, isL, joinPath(path, i)));
    return;
  }
  if (isNode(tree)) {
    for (const [k, v] of Object.entries(tree as TreeObject<L>)) forEachLeaf(v, fn, isL, joinPath(path, k));
    return;
  }
  throw new DiffhepError(`unsupported value at '${path || '<root>'}' in a parameter tree: ${typeof tree}`, path);
}

/** The leaves of a tree with their paths. */
export function leavesWithPaths<L>(tree: Tree<L>, isL: (x: unknown) => boolean = isLeaf): { path: string; leaf: L }[] {
  const out: { path: string; leaf: L }[] = [];
  forEachLeaf(tree, (leaf, path) => out.push({ path, leaf }), isL);
  return out;
}

/** A new tree of the same structure with `fn` applied to each leaf. */
export function mapTree<A, B>(tree: Tree<A>, fn: (leaf: A, path: string) => B, isL: (x: unknown) => boolean = isLeaf, path = ''): Tree<B> {
  if (isL(tree)) return fn(tree as A, path);
  if (Array.isArray(tree)) return tree.map((t, i) => mapTree(t, fn, isL, joinPath(path, i)));
  if (isNode(tree)) {
    const out: TreeObject<B> = {};
    for (const [k, v] of Object.entries(tree as TreeObject<A>)) out[k] = mapTree(v, fn, isL, joinPath(path, k));
    return out;
  }
  throw new DiffhepError(`unsupported value at '${path || '<root>'}' in a parameter tree: ${typeof tree}`, path);
}

/** Rebuilds a tree of the structure of `like` from leaves given in order. */
export function unflattenLeaves<A, B>(like: Tree<A>, leaves: B[], isL: (x: unknown) => boolean = isLeaf): Tree<B> {
  let i = 0;
  const out = mapTree(like, () => leaves[i++], isL);
  if (i !== leaves.length) throw new DiffhepError(`tree has ${i} leaves but ${leaves.length} values were given`);
  return out;
}

/** The value at a dotted path. */
export function getPath<L>(tree: Tree<L>, path: string): Tree<L> {
  if (path === '') return tree;
  let node: unknown = tree;
  for (const key of path.split('.')) {
    if (!isNode(node) || !(key in (node as object))) throw new DiffhepError(`no parameter at path '${path}'`, path);
    node = (node as Record<string, unknown>)[key];
  }
  return node as Tree<L>;
}

/** Shape of a leaf: [] for numbers. */
export function leafShape(leaf: Leaf): number[] {
  return typeof leaf === 'number' ? [] : leaf.shape.slice();
}

/** Number of scalars in a leaf. */
export function leafSize(leaf: Leaf): number {
  return typeof leaf === 'number' ? 1 : leaf.size;
}

/** Describes how a tree flattens into one vector: paths, shapes and offsets. */
export interface TreeLayout {
  paths: string[];
  shapes: number[][];
  offsets: number[];
  size: number;
}

/** The layout of a tree's leaves in one flat vector. */
export function layoutOf(tree: Tree<Leaf>): TreeLayout {
  const paths: string[] = [];
  const shapes: number[][] = [];
  const offsets: number[] = [];
  let size = 0;
  forEachLeaf(tree, (leaf, path) => {
    paths.push(path);
    shapes.push(leafShape(leaf));
    offsets.push(size);
    size += leafSize(leaf);
  });
  return { paths, shapes, offsets, size };
}

/** Flattens a tree of numbers/tensors into one Float64Array (reads tensor data). */
export function flattenToVector(tree: Tree<Leaf>): Float64Array {
  const layout = layoutOf(tree);
  const out = new Float64Array(layout.size);
  let k = 0;
  forEachLeaf(tree, (leaf) => {
    if (typeof leaf === 'number') out[k++] = leaf;
    else {
      const d = leaf.dataSync();
      for (let i = 0; i < d.length; i++) out[k++] = d[i];
    }
  });
  return out;
}

/** Element names of a flattened tree: `a.b` for scalars, `a.b[3]` for tensor elements. */
export function elementNames(tree: Tree<Leaf>): string[] {
  const names: string[] = [];
  forEachLeaf(tree, (leaf, path) => {
    if (typeof leaf === 'number' || leaf.size === 1 && leaf.rank === 0) names.push(path);
    else for (let i = 0; i < leaf.size; i++) names.push(`${path}[${i}]`);
  });
  return names;
}

/**
 * Rebuilds a tree shaped like `like` from a flat vector: number leaves become
 * numbers, tensor leaves become tensors (owned by the caller, or by the
 * enclosing `tidy`).
 */
export function unflattenFromVector(like: Tree<Leaf>, vec: ArrayLike<number>): Tree<Leaf> {
  let k = 0;
  const out = mapTree<Leaf, Leaf>(like, (leaf) => {
    if (typeof leaf === 'number') return vec[k++];
    const n = leaf.size;
    const slice = new Float32Array(n);
    for (let i = 0; i < n; i++) slice[i] = vec[k + i];
    k += n;
    return tf.tensor(slice, leaf.shape, 'float32');
  });
  if (k !== vec.length) throw new DiffhepError(`vector of length ${vec.length} does not fit a tree of ${k} scalars`);
  return out;
}

/** Converts every leaf to a float32 tensor (scalars for numbers). */
export function toTensors(tree: Tree<Leaf>): Tree<Tensor> {
  return mapTree<Leaf, Tensor>(tree, (l) => (typeof l === 'number' ? tf.scalar(l) : l)) as Tree<Tensor>;
}

/** A nested-array or number view of a tree (reads tensor data). */
export function toPlain(tree: Tree<Leaf>): Tree<number | number[] | number[][] | unknown[]> {
  return mapTree(tree, (l) => (typeof l === 'number' ? l : l.rank === 0 ? l.dataSync()[0] : (l.arraySync() as number[])));
}

/** Disposes every tensor leaf of a tree. */
export function disposeTree(tree: Tree<Leaf>): void {
  forEachLeaf(tree, (l) => {
    if (typeof l !== 'number') l.dispose();
  });
}
