/**
 * The common shape of the learned-reconstruction networks: a pure function
 * of a parameter tree and named input tensors, with the inputs it expects
 * declared so that bad input is caught on the host with a clear error.
 */
import { DiffhepError, ShapeMismatchError, type ParamDefTree, type PRNGKey, type Tensor, type Tree } from '../../autodiff/index.js';
import { eventCount, type HostInputs } from './host-array.js';

/** A network: `apply(params, inputs)` → [batch, outDim]. */
export interface Network {
  readonly name: string;
  readonly outDim: number;
  /** Per-event shape of each input it reads (−1: any size). */
  readonly inputShapes: Record<string, number[]>;
  /** Fresh parameters (seeded). */
  init(key: PRNGKey): ParamDefTree;
  /** Tensor level: the caller's tidy owns the result. */
  apply(p: Tree<Tensor>, inputs: Record<string, Tensor>): Tensor;
}

function shapeMatches(expected: number[], actual: readonly number[]): boolean {
  return expected.length === actual.length && expected.every((d, i) => d === -1 || d === actual[i]);
}

/**
 * Checks host inputs against a network (presence, per-event shapes, finite
 * values, common event count) and returns the event count.
 *
 * @example
 * ```ts
 * checkNetworkInputs(net, { features, mask }); // throws e.g. "shape mismatch for 'inputs.features'…"
 * ```
 */
export function checkNetworkInputs(net: Network, inputs: HostInputs, field = 'inputs'): number {
  for (const [k, shape] of Object.entries(net.inputShapes)) {
    const a = inputs?.[k];
    if (!a) throw new DiffhepError(`${net.name} needs input '${field}.${k}' (per event [${shape.join(', ')}])`, `${field}.${k}`);
    if (!shapeMatches(shape, a.shape.slice(1))) throw new ShapeMismatchError(`${field}.${k}`, [-1, ...shape], a.shape);
  }
  const used: HostInputs = Object.fromEntries(Object.keys(net.inputShapes).map((k) => [k, inputs[k]]));
  return eventCount(used, field);
}

/**
 * Checks input tensors inside `apply` (shapes only: values are checked on the host); returns the batch size.
 *
 * @example
 * ```ts
 * checkInputTensors(net, { features: tf.zeros([2, 8, 5]), mask: tf.ones([2, 8]) }); // 2
 * ```
 */
export function checkInputTensors(net: Network, inputs: Record<string, Tensor>): number {
  let batch = -1;
  for (const [k, shape] of Object.entries(net.inputShapes)) {
    const t = inputs?.[k];
    if (!t) throw new DiffhepError(`${net.name} needs input 'inputs.${k}' (per event [${shape.join(', ')}])`, `inputs.${k}`);
    if (!shapeMatches([-1, ...shape], t.shape)) throw new ShapeMismatchError(`inputs.${k}`, [-1, ...shape], t.shape);
    if (batch < 0) batch = t.shape[0];
    else if (t.shape[0] !== batch) throw new ShapeMismatchError(`inputs.${k} (event axis)`, [batch], [t.shape[0]]);
  }
  return batch;
}
