/**
 * One dense layer, x·w + b (optionally followed by ReLU), as a single node
 * of the tape with a hand-written backward pass. The forward pass runs
 * exactly the ops of the plain layer (matMul, add, relu), so values are the
 * same bit for bit; only the backward pass is arranged differently.
 *
 * Why (measured on the wasm backend, batch 256, layers 16-64-32-32-5; see
 * docs/benchmarks.md): a matrix product packs its right operand before
 * multiplying, and the packing costs ~3–6 ns per float, 40–80× a
 * multiply-add. The forward pass multiplies by weights, whose packed form the
 * backend keeps; the weight gradient xᵀ·g must pack a fresh [batch, ·]
 * operand every time, which made it 2× slower than the forward product.
 * This layer's backward pass therefore
 * - packs the narrower of x and g for the weight gradient (xᵀ·g, or (gᵀ·x)ᵀ
 *   when the layer widens), once;
 * - gets the bias gradient from the same packed operand (1ᵀ·g, or gᵀ·1),
 *   a 3 µs product instead of a 20–35 µs reduction along the batch axis;
 * - builds the ReLU mask from the saved output in two kernels (tfjs: three);
 * - computes only the gradients the tape asks for (the input gradient of a
 *   first layer is skipped; `tf.customGrad` would compute all of them).
 * Every gradient is exact (the same sums as tfjs's own gradients, up to
 * float32 summation order); the backward ops are ordinary differentiable
 * ops, so second derivatives work.
 */
import { tf, type Tensor } from '../tf.js';

type Save = (tensors: Tensor[]) => void;
type GradMap = Record<string, () => Tensor>;
interface KernelFuncEngine {
  runKernelFunc(params: { forwardFunc: (backend: unknown, save: Save) => Tensor; backwardsFunc: (dy: Tensor, saved: Tensor[]) => GradMap; inputs: Record<string, Tensor> }): Tensor;
}

/** The weight and bias gradients of x [n, in] · w [in, out] + b for the output cotangent g [n, out]. */
function weightAndBiasGradients(x: Tensor, g: Tensor): { w: () => Tensor; b: () => Tensor } {
  const [n, inDim] = x.shape as [number, number];
  const outDim = g.shape[1] as number;
  if (outDim > inDim) {
    // A widening layer: pack x (n·in floats) rather than g (n·out); gᵀ is made once and serves both.
    const gT = tf.transpose(g);
    return {
      w: () => tf.transpose(tf.matMul(gT, x)),
      b: () => tf.reshape(tf.matMul(gT, tf.ones([n, 1])), [outDim]),
    };
  }
  // xᵀ·g packs g; 1ᵀ·g then reuses the packed g.
  return {
    w: () => tf.matMul(x, g, true, false),
    b: () => tf.reshape(tf.matMul(tf.ones([1, n]), g), [outDim]),
  };
}

/**
 * x [n, in] · w [in, out] + b [out], then ReLU if `relu`: the values of
 * `tf.relu(tf.add(tf.matMul(x, w), b))`, with the backward pass described
 * above. Tensor-level: the caller's `tidy` owns the result.
 */
export function denseOp(x: Tensor, w: Tensor, b: Tensor, relu: boolean): Tensor {
  const engine = tf.engine() as unknown as KernelFuncEngine;
  return engine.runKernelFunc({
    inputs: { x, w, b },
    forwardFunc: (_backend, save) => {
      const z = tf.add(tf.matMul(x, w), b);
      const y = relu ? tf.relu(z) : z;
      save(relu ? [x, w, y] : [x, w]);
      return y;
    },
    backwardsFunc: (dy, saved) => {
      const [xs, ws, ys] = saved;
      // ReLU′ is 1 where the output is positive, 0 elsewhere (as tfjs: 0 at 0, NaN stays NaN).
      const g = relu ? tf.mul(dy, tf.step(ys)) : dy;
      // Made here, not in a thunk: each thunk runs in its own tidy, and both use these.
      const wb = weightAndBiasGradients(xs, g);
      return {
        x: () => tf.matMul(g, ws, false, true),
        w: wb.w,
        b: wb.b,
      };
    },
  });
}
