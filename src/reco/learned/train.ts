/**
 * Minibatch training through the core's `minimize`: the data stay on the
 * host as tensors created once, each step gathers a minibatch drawn from
 * `key.fold(step)` (so a run is reproducible from its seed, and a run
 * resumed from a checkpoint draws the same batches), and the loop owns and
 * frees every tensor it makes (`tf.memory().numTensors` is the same before
 * and after).
 */
import { tf, minimize, adam, DomainError, type MinimizeResult, type Optimizer, type ParamSet, type PRNGKey, type StepInfo, type Tensor, type Tree } from '../../autodiff/index.js';
import { eventCount, type HostInputs } from './host-array.js';

/** Options of `trainOnBatches`. */
export interface TrainOptions {
  /** Initial parameters (not modified). */
  params: ParamSet;
  /** Inputs and targets, all with the same event count. */
  data: HostInputs;
  /** Loss of one minibatch (same names as `data`), a scalar tensor. */
  loss: (p: Tree<Tensor>, batch: Record<string, Tensor>) => Tensor;
  batchSize: number;
  steps: number;
  /** Seeds the minibatches. */
  key: PRNGKey;
  /** Default adam({ learningRate: 3e-3 }). */
  optimizer?: Optimizer;
  /** Clip the global gradient norm. */
  clipNorm?: number;
  /** Atomic checkpoint every `every` steps; an existing file is resumed from. */
  checkpoint?: { path: string; every?: number };
  callback?: (info: StepInfo) => void | 'stop';
}

/**
 * The event indices of one minibatch: `size` distinct indices from [0, n)
 * (a partial Fisher–Yates shuffle driven by `key`), or all of them when size ≥ n.
 *
 * @example
 * ```ts
 * minibatchIndices(1000, 64, prngKey(1).fold(7)); // 64 distinct indices
 * ```
 */
export function minibatchIndices(n: number, size: number, key: PRNGKey): Int32Array {
  if (!(Number.isInteger(n) && n >= 1)) throw new DomainError('n', n, 'must be a positive integer');
  if (!(Number.isInteger(size) && size >= 1)) throw new DomainError('batchSize', size, 'must be a positive integer');
  if (size >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  const u = key.uniforms(size);
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(u[i] * (n - i));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm.slice(0, size);
}

/**
 * Trains by minibatch gradient descent.
 *
 * @example
 * ```ts
 * const net = setNetwork({ inDim: 5, outDim: 1 });
 * const r = trainOnBatches({
 *   params: new ParamSet(net.init(prngKey(0))), data: { features, mask, target }, batchSize: 128, steps: 500, key: prngKey(1),
 *   loss: (p, b) => squaredErrorLoss(net.apply(p, b), b.target),
 * });
 * r.history.at(-1)?.loss;
 * ```
 */
export function trainOnBatches(o: TrainOptions): MinimizeResult {
  const n = eventCount(o.data, 'data');
  if (!(Number.isInteger(o.batchSize) && o.batchSize >= 1)) throw new DomainError('batchSize', o.batchSize, 'must be a positive integer');
  const tensors: Record<string, Tensor> = {};
  try {
    for (const [k, a] of Object.entries(o.data)) tensors[k] = tf.tensor(a.data, a.shape);
    const lossOfStep = (p: Tree<Tensor>, _step: number, key?: PRNGKey): Tensor => {
      const idx = tf.tensor1d(minibatchIndices(n, o.batchSize, key as PRNGKey), 'int32');
      const batch = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, tf.gather(t, idx)]));
      return o.loss(p, batch);
    };
    return minimize(lossOfStep, o.params, {
      optimizer: o.optimizer ?? adam({ learningRate: 3e-3 }),
      steps: o.steps,
      key: o.key,
      clipNorm: o.clipNorm,
      checkpoint: o.checkpoint,
      callback: o.callback,
    });
  } finally {
    Object.values(tensors).forEach((t) => t.dispose());
  }
}
