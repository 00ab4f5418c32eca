/**
 * The 2-D convolution (channels last) as one node of the tape whose backward
 * pass is made of convolutions again, so that it is fast wherever the forward
 * convolution is fast.
 *
 * Why (measured on the wasm backend, see docs/benchmarks.md): the filter
 * gradient of `tf.conv2d` (Conv2DBackpropFilter) has no wasm kernel and runs
 * through the cpu bridge, ~360 ms for a [64, 7, 7, 6] → 8 convolution whose
 * forward pass takes well under 10 ms. Here both adjoints are forward
 * convolutions of rearranged tensors (Conv2D, Transpose, Reverse, Pad, Slice,
 * Reshape: kernels every backend has):
 *
 * - filter: dw[i,j,c,o] = Σ_{b,p,q} x̃[b, p·s + i·d, q·s + j·d, c] dy[b,p,q,o]
 *   (x̃ the padded input) is the convolution of x transposed to [c, H, W, b]
 *   with dy transposed to [oh, ow, b, o] as the filter, with the stride and
 *   the dilation exchanged; the result [c, kh, kw, o] is transposed back;
 * - input: dx is the convolution of dy, with s − 1 zeros inserted between its
 *   rows and columns, by the spatially flipped filter with its channel axes
 *   exchanged, at stride 1 and the original dilation.
 *
 * The backward convolutions are nodes of the same kind, so derivatives of
 * any order stay on fast kernels. The forward pass is exactly `tf.conv2d`, so
 * values are identical bit for bit; gradients are the same sums as tfjs's,
 * up to float32 summation order.
 */
import { tf, type Tensor } from '../tf.js';

/** Padding of a convolution: tfjs's 'same' / 'valid', or explicit [top, bottom, left, right] (negative crops). */
export type ConvPadding = 'same' | 'valid' | [number, number, number, number];

type Save = (tensors: Tensor[]) => void;
interface KernelFuncEngine {
  runKernelFunc(params: {
    forwardFunc: (backend: unknown, save: Save) => Tensor;
    backwardsFunc: (dy: Tensor, saved: Tensor[]) => Record<string, () => Tensor>;
    inputs: Record<string, Tensor>;
  }): Tensor;
}

type Pair = [number, number];
type Quad = [number, number, number, number];

/** Inserts s − 1 zeros between consecutive rows (s = strides[0]) and columns (strides[1]) of y [B, h, w, C]. */
function insertZeros(y: Tensor, [sh, sw]: Pair): Tensor {
  if (sh === 1 && sw === 1) return y;
  const [b, h, w, c] = y.shape as [number, number, number, number];
  const spread = tf.pad(tf.reshape(y, [b, h, 1, w, 1, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  return tf.slice(tf.reshape(spread, [b, h * sh, w * sw, c]), [0, 0, 0, 0], [b, (h - 1) * sh + 1, (w - 1) * sw + 1, c]);
}

/** A convolution with explicit pads, where a negative pad crops the input instead. */
function convExplicit(x: Tensor, w: Tensor, strides: Pair, dilations: Pair, [top, bottom, left, right]: Quad): Tensor {
  const [b, h, wd, c] = x.shape as [number, number, number, number];
  const ct = Math.max(-top, 0);
  const cb = Math.max(-bottom, 0);
  const cl = Math.max(-left, 0);
  const cr = Math.max(-right, 0);
  const xc = ct || cb || cl || cr ? tf.slice(x, [0, ct, cl, 0], [b, h - ct - cb, wd - cl - cr, c]) : x;
  return convNode(xc, w, strides, dilations, [Math.max(top, 0), Math.max(bottom, 0), Math.max(left, 0), Math.max(right, 0)]);
}

/** One tape node: the forward pass is `tf.conv2d`, the backward pass the convolutions described above. */
function convNode(x: Tensor, w: Tensor, strides: Pair, dilations: Pair, padding: ConvPadding): Tensor {
  const pad: 'same' | 'valid' | tf.backend_util.ExplicitPadding = Array.isArray(padding) ? [[0, 0], [padding[0], padding[1]], [padding[2], padding[3]], [0, 0]] : padding;
  const engine = tf.engine() as unknown as KernelFuncEngine;
  return engine.runKernelFunc({
    inputs: { x, w },
    forwardFunc: (_backend, save) => {
      save([x, w]);
      return tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad, 'NHWC', dilations);
    },
    backwardsFunc: (dy, saved) => {
      const [xs, ws] = saved;
      const [, h, wd] = xs.shape as number[];
      const [kh, kw] = ws.shape as number[];
      const [, oh, ow] = dy.shape as number[];
      const [sh, sw] = strides;
      const [dh, dw] = dilations;
      // The pads tfjs's kernel uses (for 'same', extra padding goes to the bottom/right).
      const info = tf.backend_util.computeConv2DInfo(xs.shape as Quad, ws.shape as Quad, strides, dilations, pad);
      const { top, bottom, left, right } = info.padInfo;
      const effH = (kh - 1) * dh + 1;
      const effW = (kw - 1) * dw + 1;
      return {
        w: () => {
          // Rows past the last window (a 'valid' convolution with stride) take no part: crop them.
          const restH = h + top + bottom - effH - (oh - 1) * sh;
          const restW = wd + left + right - effW - (ow - 1) * sw;
          const g = convExplicit(tf.transpose(xs, [3, 1, 2, 0]), tf.transpose(dy, [1, 2, 0, 3]), dilations, strides, [top, bottom - restH, left, right - restW]);
          return tf.transpose(g, [1, 2, 0, 3]);
        },
        x: () => {
          const dyz = insertZeros(dy, strides);
          const flipped = tf.transpose(tf.reverse(ws, [0, 1]), [0, 1, 3, 2]);
          const pt = effH - 1 - top;
          const pl = effW - 1 - left;
          const [, zh, zw] = dyz.shape as number[];
          return convExplicit(dyz, flipped, [1, 1], dilations, [pt, h - zh + effH - 1 - pt, pl, wd - zw + effW - 1 - pl]);
        },
      };
    },
  });
}

/**
 * `tf.conv2d(x, w, strides, padding, 'NHWC', dilations)` (x [B, H, W, in],
 * w [kh, kw, in, out]) with the backward pass described above: identical
 * values, gradients of every order built from forward convolutions.
 * Tensor-level: the caller's `tidy` owns the result. As in tfjs, either the
 * strides or the dilations must all be 1.
 *
 * @example
 * ```ts
 * const y = conv2dOp(tf.ones([2, 7, 7, 6]), tf.ones([3, 3, 6, 8]), [1, 1], 'same'); // [2, 7, 7, 8]
 * ```
 */
export function conv2dOp(x: Tensor, w: Tensor, strides: Pair, padding: ConvPadding, dilations: Pair = [1, 1]): Tensor {
  return Array.isArray(padding) ? convExplicit(x, w, strides, dilations, padding) : convNode(x, w, strides, dilations, padding);
}
