/**
 * Dense layers and multi-layer perceptrons as pure functions of parameter
 * trees: `{ w: [in][out], b: [out] }` per layer. The layout is the one the hw
 * module reads for quantization and export.
 */
import { tf, type Tensor } from '../tf.js';
import { param, type ParamDefTree } from '../params.js';
import type { PRNGKey } from '../random/key.js';
import type { Tree } from '../tree.js';
import { glorotUniform, heNormal, zeros } from './initializers.js';
import { activate, type Activation } from './activations.js';
import { DiffhepError, DomainError, ShapeMismatchError } from '../errors.js';
import { denseOp } from './dense-op.js';

/** Initializer choice. */
export interface InitOptions {
  init?: 'glorot' | 'he';
}

/**
 * Parameters of one dense layer: w [inDim][outDim] (Glorot, or He with
 * `init: 'he'`), b [outDim] zeros.
 *
 * @example
 * ```ts
 * const ps = new ParamSet({ head: denseInit(prngKey(0), 8, 2) });
 * denseApply((ps.constantTree() as { head: Tree<Tensor> }).head, tf.zeros([4, 8])); // [4, 2]
 * ```
 */
export function denseInit(key: PRNGKey, inDim: number, outDim: number, opts: InitOptions = {}): ParamDefTree {
  if (!(Number.isInteger(inDim) && inDim > 0)) throw new DomainError('inDim', inDim, 'must be a positive integer');
  if (!(Number.isInteger(outDim) && outDim > 0)) throw new DomainError('outDim', outDim, 'must be a positive integer');
  const w = opts.init === 'he' ? heNormal(key, [inDim, outDim]) : glorotUniform(key, [inDim, outDim]);
  return { w: param(w as number[][]), b: param(zeros([outDim]) as number[]) };
}

/** The layer, then ReLU if asked (fused into one tape node: see dense-op.ts). */
function denseThen(p: Tree<Tensor>, x: Tensor, relu: boolean): Tensor {
  const { w, b } = p as { w: Tensor; b: Tensor };
  if (!w || !b || w.rank !== 2 || b.rank !== 1 || b.shape[0] !== w.shape[1]) {
    throw new DiffhepError(`dense parameters must be { w: [in, out], b: [out] }, got w [${w?.shape.join(', ')}], b [${b?.shape.join(', ')}]`, 'p');
  }
  if (x.rank === 0 || x.shape[x.rank - 1] !== w.shape[0]) throw new ShapeMismatchError('dense input', [-1, w.shape[0]], x.shape);
  const [inDim, outDim] = w.shape as [number, number];
  if (x.rank === 2) return denseOp(x, w, b, relu);
  return tf.tidy(() => denseOp(x.reshape([-1, inDim]), w, b, relu).reshape([...x.shape.slice(0, -1), outDim]));
}

/**
 * x [..., in] · w + b → [..., out] (leading axes kept: [batch, in], [batch, set, in], or a single [in]).
 * Values are those of `tf.add(tf.matMul(x, w), b)`; the backward pass is the faster one of dense-op.ts.
 */
export function denseApply(p: Tree<Tensor>, x: Tensor): Tensor {
  return denseThen(p, x, false);
}

/** An MLP: layers of sizes[i] → sizes[i+1]. */
export function mlpInit(key: PRNGKey, sizes: number[], opts: InitOptions = {}): ParamDefTree {
  if (sizes.length < 2) throw new DomainError('sizes', sizes, 'need at least input and output sizes');
  const keys = key.split(sizes.length - 1);
  return { layers: sizes.slice(0, -1).map((n, i) => denseInit(keys[i], n, sizes[i + 1], opts)) };
}

/** Options of `mlpApply`. */
export interface MlpOptions {
  /** Hidden-layer activation. Default relu. */
  activation?: Activation;
  /** Output activation. Default linear. */
  outputActivation?: Activation;
}

/**
 * Applies an MLP to x [batch, in].
 *
 * @example
 * ```ts
 * const ps = new ParamSet(mlpInit(prngKey(0), [16, 64, 5]));
 * const y = mlpApply(ps.constantTree(), tf.zeros([8, 16]), { outputActivation: 'softmax' }); // [8, 5]
 * ```
 */
export function mlpApply(p: Tree<Tensor>, x: Tensor, opts: MlpOptions = {}): Tensor {
  const layers = (p as { layers: Tree<Tensor>[] }).layers;
  return tf.tidy(() => {
    let h = x;
    layers.forEach((l, i) => {
      const a = i === layers.length - 1 ? (opts.outputActivation ?? 'linear') : (opts.activation ?? 'relu');
      h = a === 'relu' ? denseThen(l, h, true) : activate(denseThen(l, h, false), a);
    });
    return h;
  });
}
