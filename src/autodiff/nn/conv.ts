/**
 * 1-D and 2-D convolutions as pure functions: `{ w: [k, in, out], b: [out] }`
 * and `{ w: [kh, kw, in, out], b: [out] }`, channels last (calorimeter images
 * are [batch, eta, phi, layers]). Both run through `conv2dOp` (conv-op.ts):
 * the values of `tf.conv1d` / `tf.conv2d`, with a backward pass made of
 * forward convolutions, fast on every backend and differentiable to any order.
 */
import { tf, type Tensor } from '../tf.js';
import { param, type ParamDefTree } from '../params.js';
import type { PRNGKey } from '../random/key.js';
import type { Tree } from '../tree.js';
import { glorotUniform, heNormal, zeros } from './initializers.js';
import { DomainError, ShapeMismatchError } from '../errors.js';
import type { InitOptions } from './dense.js';
import { conv2dOp } from './conv-op.js';

/** Options of a convolution. */
export interface ConvOptions {
  stride?: number;
  padding?: 'same' | 'valid';
}

function positive(name: string, v: number): void {
  if (!(Number.isInteger(v) && v > 0)) throw new DomainError(name, v, 'must be a positive integer');
}

/**
 * Parameters of a 1-D convolution: w [kernel, inCh, outCh], b [outCh].
 *
 * @example
 * ```ts
 * const p = new ParamSet(conv1dInit(prngKey(0), 3, 2, 8)).constantTree();
 * conv1dApply(p, tf.zeros([4, 100, 2]), { stride: 2 }); // [4, 50, 8]
 * ```
 */
export function conv1dInit(key: PRNGKey, kernel: number, inCh: number, outCh: number, opts: InitOptions = {}): ParamDefTree {
  [['kernel', kernel], ['inCh', inCh], ['outCh', outCh]].forEach(([n, v]) => positive(n as string, v as number));
  const shape = [kernel, inCh, outCh];
  const w = opts.init === 'he' ? heNormal(key, shape) : glorotUniform(key, shape);
  return { w: param(w as number[][][]), b: param(zeros([outCh]) as number[]) };
}

/** x [batch, length, in] → [batch, length', out]. */
export function conv1dApply(p: Tree<Tensor>, x: Tensor, opts: ConvOptions = {}): Tensor {
  const { w, b } = p as { w: Tensor; b: Tensor };
  if (x.rank !== 3 || x.shape[2] !== w.shape[1]) throw new ShapeMismatchError('conv1d input', [-1, -1, w.shape[1] as number], x.shape);
  const [batch, len, inCh] = x.shape as [number, number, number];
  const [k, , outCh] = w.shape as [number, number, number];
  return tf.tidy(() => {
    // What tf.conv1d does: a 2-D convolution over [batch, 1, length, in].
    const y = conv2dOp(x.reshape([batch, 1, len, inCh]), w.reshape([1, k, inCh, outCh]), [1, opts.stride ?? 1], opts.padding ?? 'same');
    return tf.add(y.reshape([batch, y.shape[2] as number, outCh]), b);
  });
}

/**
 * Parameters of a 2-D convolution: w [kh, kw, inCh, outCh], b [outCh].
 *
 * @example
 * ```ts
 * const p = new ParamSet(conv2dInit(prngKey(0), 3, 3, 4, 16)).constantTree();
 * conv2dApply(p, tf.zeros([2, 32, 32, 4]), { padding: 'valid' }); // [2, 30, 30, 16]
 * ```
 */
export function conv2dInit(key: PRNGKey, kh: number, kw: number, inCh: number, outCh: number, opts: InitOptions = {}): ParamDefTree {
  [['kh', kh], ['kw', kw], ['inCh', inCh], ['outCh', outCh]].forEach(([n, v]) => positive(n as string, v as number));
  const shape = [kh, kw, inCh, outCh];
  const w = opts.init === 'he' ? heNormal(key, shape) : glorotUniform(key, shape);
  return { w: param(w as number[][][][]), b: param(zeros([outCh]) as number[]) };
}

/** x [batch, h, w, in] → [batch, h', w', out]. */
export function conv2dApply(p: Tree<Tensor>, x: Tensor, opts: ConvOptions = {}): Tensor {
  const { w, b } = p as { w: Tensor; b: Tensor };
  if (x.rank !== 4 || x.shape[3] !== w.shape[2]) throw new ShapeMismatchError('conv2d input', [-1, -1, -1, w.shape[2] as number], x.shape);
  const s = opts.stride ?? 1;
  return tf.tidy(() => tf.add(conv2dOp(x, w, [s, s], opts.padding ?? 'same'), b));
}
