/** An MLP over a fixed-length feature vector (`features` [B, inDim]): for summaries and tests of the calibration. */
import { nn, DomainError, type Tensor, type Tree } from '../../autodiff/index.js';
import { checkInputTensors, type Network } from './network.js';

/** Sizes of a vector network. */
export interface VectorNetworkOptions {
  inDim: number;
  /** Hidden sizes. Default [32, 32]. */
  hidden?: number[];
  outDim: number;
  /** Hidden activation. Default 'relu'. */
  activation?: nn.Activation;
}

/**
 * An MLP reading `features` [B, inDim].
 *
 * @example
 * ```ts
 * const net = vectorNetwork({ inDim: 1, hidden: [16], outDim: 3 });
 * const p = new ParamSet(net.init(prngKey(0))).constantTree();
 * tf.tidy(() => net.apply(p, { features: tf.ones([5, 1]) })); // [5, 3]
 * ```
 */
export function vectorNetwork(o: VectorNetworkOptions): Network {
  const hidden = o.hidden ?? [32, 32];
  if (!(Number.isInteger(o.inDim) && o.inDim >= 1)) throw new DomainError('inDim', o.inDim, 'must be a positive integer');
  if (!(Number.isInteger(o.outDim) && o.outDim >= 1)) throw new DomainError('outDim', o.outDim, 'must be a positive integer');
  const act = o.activation ?? 'relu';
  const net: Network = {
    name: 'vector network',
    outDim: o.outDim,
    inputShapes: { features: [o.inDim] },
    init: (key) => nn.mlpInit(key, [o.inDim, ...hidden, o.outDim], { init: act === 'relu' ? 'he' : 'glorot' }),
    apply: (p: Tree<Tensor>, inputs: Record<string, Tensor>) => {
      checkInputTensors(net, inputs);
      return nn.mlpApply(p, inputs.features, { activation: act });
    },
  };
  return net;
}
