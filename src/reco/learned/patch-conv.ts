/**
 * A 2-D convolution ('same' padding, stride 1) written as patches times a
 * matrix, with the parameters of `nn.conv2dInit` ({ w: [kh, kw, in, out],
 * b: [out] }) and the values of `nn.conv2dApply` (up to float32 summation
 * order).
 *
 * Why: on the wasm backend the kernel-gradient op of `tf.conv2d`
 * (Conv2DBackpropFilter) runs through the cpu fallback and costs ~380 ms
 * for a [64, 7, 7, 6] batch and 8 filters (measured; the forward pass takes
 * 0.5 ms), which makes training a calorimeter CNN 100× slower than it needs
 * to be. Here the backward pass is made of slices, pads and one matrix
 * product — all native wasm kernels.
 */
import { tf, ShapeMismatchError, DiffhepError, type Tensor, type Tree } from '../../autodiff/index.js';

/**
 * x [B, H, W, in] → [B, H, W, out] for a kernel with odd sides (tensor level).
 *
 * @example
 * ```ts
 * const p = new ParamSet(nn.conv2dInit(prngKey(0), 3, 3, 6, 8)).constantTree();
 * tf.tidy(() => patchConv2d(p, tf.zeros([2, 7, 7, 6]))); // [2, 7, 7, 8], as nn.conv2dApply(p, x)
 * ```
 */
export function patchConv2d(p: Tree<Tensor>, x: Tensor): Tensor {
  const { w, b } = p as { w: Tensor; b: Tensor };
  if (!w || !b || w.rank !== 4) throw new DiffhepError(`convolution parameters must be { w: [kh, kw, in, out], b: [out] }, got w [${w?.shape.join(', ')}]`, 'p');
  const [kh, kw, cin, cout] = w.shape as [number, number, number, number];
  if (kh % 2 !== 1 || kw % 2 !== 1) throw new DiffhepError(`kernel sides must be odd for 'same' padding, got ${kh} × ${kw}`, 'p.w');
  if (x.rank !== 4 || x.shape[3] !== cin) throw new ShapeMismatchError('conv input', [-1, -1, -1, cin], x.shape);
  const [batch, h, wd] = x.shape as [number, number, number, number];
  return tf.tidy(() => {
    const ph = (kh - 1) / 2;
    const pw = (kw - 1) / 2;
    const padded = tf.pad(x, [[0, 0], [ph, ph], [pw, pw], [0, 0]]);
    const patches: Tensor[] = [];
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) patches.push(tf.slice(padded, [0, i, j, 0], [batch, h, wd, cin]));
    // Channel index (i·kw + j)·in + c, the row-major order of w [kh, kw, in, out].
    const cols = tf.concat(patches, 3).reshape([batch * h * wd, kh * kw * cin]);
    return tf.add(tf.matMul(cols, w.reshape([kh * kw * cin, cout])), b).reshape([batch, h, wd, cout]);
  });
}
