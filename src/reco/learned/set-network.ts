/**
 * A Deep Sets network over cells or hits (Zaheer et al., arXiv:1703.06114,
 * through the core's `nn.deepSetsApply`): per-element φ, masked pooling, ρ.
 * Invariant under permutations of the set and blind to padding.
 */
import { nn, DomainError, ShapeMismatchError, type Tensor, type Tree } from '../../autodiff/index.js';
import { checkInputTensors, type Network } from './network.js';

/** Sizes of a set network. */
export interface SetNetworkOptions {
  /** Features per element. */
  inDim: number;
  /** Hidden sizes of φ (the last is the latent size). Default [32, 32]. */
  phi?: number[];
  /** Hidden sizes of ρ. Default [32]. */
  rho?: number[];
  outDim: number;
  /** Default 'sum' (an energy is a sum over cells). */
  pooling?: 'sum' | 'mean' | 'max';
}

/**
 * A Deep Sets network reading `features` [B, K, inDim] and `mask` [B, K].
 *
 * @example
 * ```ts
 * const net = setNetwork({ inDim: 5, outDim: 1 });
 * const ps = new ParamSet(net.init(prngKey(0)));
 * const y = tf.tidy(() => net.apply(ps.constantTree(), { features: tf.zeros([2, 10, 5]), mask: tf.ones([2, 10]) })); // [2, 1]
 * ```
 */
export function setNetwork(o: SetNetworkOptions): Network {
  const phi = o.phi ?? [32, 32];
  const rho = o.rho ?? [32];
  if (!(Number.isInteger(o.inDim) && o.inDim >= 1)) throw new DomainError('inDim', o.inDim, 'must be a positive integer');
  if (!(Number.isInteger(o.outDim) && o.outDim >= 1)) throw new DomainError('outDim', o.outDim, 'must be a positive integer');
  const pooling = o.pooling ?? 'sum';
  if (!['sum', 'mean', 'max'].includes(pooling)) throw new DomainError('pooling', pooling, "must be 'sum', 'mean' or 'max'");
  const net: Network = {
    name: 'set network',
    outDim: o.outDim,
    inputShapes: { features: [-1, o.inDim], mask: [-1] },
    init: (key) => nn.deepSetsInit(key, { inDim: o.inDim, phi, rho, outDim: o.outDim, init: 'he' }),
    apply: (p: Tree<Tensor>, inputs: Record<string, Tensor>) => {
      checkInputTensors(net, inputs);
      const { features, mask } = inputs;
      if (mask.shape[1] !== features.shape[1]) throw new ShapeMismatchError('inputs.mask', [features.shape[0] as number, features.shape[1] as number], mask.shape);
      return nn.deepSetsApply(p, features, { mask, pooling });
    },
  };
  return net;
}
