/** Inference on host inputs in chunks: plain arrays in, plain arrays out, no tensors left behind. */
import { tf, DomainError, type ParamSet, type Tensor, type Tree } from '../../autodiff/index.js';
import { takeInputs, type HostInputs } from './host-array.js';
import { checkNetworkInputs, type Network } from './network.js';
import type { GaussianAnsatz } from './gaussian-ansatz.js';

function chunks(n: number, size: number): number[][] {
  if (!(Number.isInteger(size) && size >= 1)) throw new DomainError('batchSize', size, 'must be a positive integer');
  const out: number[][] = [];
  for (let s = 0; s < n; s += size) out.push(Array.from({ length: Math.min(size, n - s) }, (_, i) => s + i));
  return out;
}

function toTensors(inputs: HostInputs, names: string[]): Record<string, Tensor> {
  return Object.fromEntries(names.map((k) => [k, tf.tensor(inputs[k].data, inputs[k].shape)]));
}

/**
 * The network's outputs [N·outDim] (row-major [N, outDim]) for host inputs.
 *
 * @example
 * ```ts
 * const y = predict(net, trained.params, { features, mask }); // Float32Array
 * ```
 */
export function predict(net: Network, params: ParamSet, inputs: HostInputs, batchSize = 1024): Float32Array {
  const n = checkNetworkInputs(net, inputs);
  const names = Object.keys(net.inputShapes);
  const out = new Float32Array(n * net.outDim);
  for (const idx of chunks(n, batchSize)) {
    tf.tidy(() => {
      const p = params.constantTree() as Tree<Tensor>;
      const y = net.apply(p, toTensors(takeInputs(inputs, idx), names));
      out.set(y.dataSync(), idx[0] * net.outDim);
    });
  }
  return out;
}

/**
 * The Gaussian-Ansatz estimate B(x) and width for host inputs.
 *
 * @example
 * ```ts
 * const { z, sigma } = predictAnsatz(ga, trained.params, { features, mask });
 * ```
 */
export function predictAnsatz(ga: GaussianAnsatz, params: ParamSet, inputs: HostInputs, batchSize = 1024): { z: Float32Array; sigma: Float32Array } {
  const n = checkNetworkInputs(ga.encoder, inputs);
  const names = Object.keys(ga.encoder.inputShapes);
  const z = new Float32Array(n);
  const sigma = new Float32Array(n);
  for (const idx of chunks(n, batchSize)) {
    tf.tidy(() => {
      const r = ga.estimate(params.constantTree() as Tree<Tensor>, toTensors(takeInputs(inputs, idx), names));
      z.set(r.z.dataSync(), idx[0]);
      sigma.set(r.sigma.dataSync(), idx[0]);
    });
  }
  return { z, sigma };
}
