/**
 * A convolutional network over calorimeter images [B, n, n, sections]: 3×3
 * convolutions with 'same' padding and ReLU (parameters from the core's
 * `nn.conv2dInit`, applied by `nn.conv2dApply`), then the flattened
 * feature maps into an MLP. The convolution stack is translation-equivariant
 * away from the grid's border.
 */
import { tf, nn, DomainError, type PRNGKey, type Tensor, type Tree } from '../../autodiff/index.js';
import { checkInputTensors, type Network } from './network.js';

/** Sizes of an image network. */
export interface ImageNetworkOptions {
  /** Image side (cells per side) and channels (depth sections). */
  size: number;
  channels: number;
  /** Output channels of each 3×3 convolution. Default [16, 16]. */
  conv?: number[];
  /** Hidden sizes of the dense head. Default [32]. */
  dense?: number[];
  outDim: number;
}

/** An image network, with its convolution stack exposed for inspection. */
export interface ImageNetwork extends Network {
  /** The feature maps after the last convolution + ReLU: [B, n, n, conv.at(−1)]. Tensor level. */
  convFeatures(p: Tree<Tensor>, images: Tensor): Tensor;
}

/**
 * A CNN reading `images` [B, size, size, channels].
 *
 * @example
 * ```ts
 * const net = imageNetwork({ size: 7, channels: 6, outDim: 1 });
 * const p = new ParamSet(net.init(prngKey(0))).constantTree();
 * tf.tidy(() => net.apply(p, { images: tf.zeros([4, 7, 7, 6]) })); // [4, 1]
 * ```
 */
export function imageNetwork(o: ImageNetworkOptions): ImageNetwork {
  const conv = o.conv ?? [16, 16];
  const dense = o.dense ?? [32];
  [['size', o.size], ['channels', o.channels], ['outDim', o.outDim]].forEach(([k, v]) => {
    if (!(Number.isInteger(v) && (v as number) >= 1)) throw new DomainError(k as string, v, 'must be a positive integer');
  });
  if (!Array.isArray(conv) || conv.length === 0) throw new DomainError('conv', conv, 'needs at least one convolution');
  const convFeatures = (p: Tree<Tensor>, images: Tensor): Tensor => {
    const layers = (p as { conv: Tree<Tensor>[] }).conv;
    return tf.tidy(() => layers.reduce<Tensor>((h, l) => tf.relu(nn.conv2dApply(l, h, { padding: 'same' })), images));
  };
  const net: ImageNetwork = {
    name: 'image network',
    outDim: o.outDim,
    inputShapes: { images: [o.size, o.size, o.channels] },
    init: (key: PRNGKey) => {
      const keys = key.split(conv.length + 1);
      const chans = [o.channels, ...conv];
      return {
        conv: conv.map((c, i) => nn.conv2dInit(keys[i], 3, 3, chans[i], c, { init: 'he' })),
        head: nn.mlpInit(keys[conv.length], [o.size * o.size * conv[conv.length - 1], ...dense, o.outDim], { init: 'he' }),
      };
    },
    apply: (p: Tree<Tensor>, inputs: Record<string, Tensor>) => {
      const batch = checkInputTensors(net, inputs);
      return tf.tidy(() => {
        const h = convFeatures(p, inputs.images);
        return nn.mlpApply((p as { head: Tree<Tensor> }).head, h.reshape([batch, -1]));
      });
    },
    convFeatures,
  };
  return net;
}
