/**
 * Costs of the autodiff core, as ratios measured in the same run:
 * - valueAndGrad / forward for an MLP (batch 256, 16-64-32-32-5) and for an
 *   elementwise-heavy function (target ≤ 3);
 * - our valueAndGrad against tf.valueAndGrads on the same function and
 *   inputs (wrapper overhead, target ≤ 1.1), also for a tiny function where
 *   the fixed per-call cost dominates;
 * - hessian / valueAndGrad on a small fit-sized problem;
 * - a 3×3 convolution: forward + backward / forward through nn.conv2dApply
 *   and through tf.conv2d with tfjs's own gradient.
 * Times are the fastest of interleaved runs (see `interleaved`).
 */
import { tf, valueAndGrad, hessian, disposeTree, PRNGKey, nn, type Tensor, type Tree } from '../src/autodiff/index.js';
import type { BenchRow } from './types.js';

export const title = 'autodiff core';

const SIZES = [16, 64, 32, 32, 5];
const BATCH = 256;

interface Layer {
  w: Tensor;
  b: Tensor;
}

function mlpParams(): { layers: Layer[] } & Tree<Tensor> {
  const key = PRNGKey.fromSeed('bench-mlp');
  const layers: Layer[] = [];
  for (let i = 0; i + 1 < SIZES.length; i++) {
    const [m, n] = [SIZES[i], SIZES[i + 1]];
    const w = Float32Array.from(key.fold(i).normals(m * n), (z) => z * Math.sqrt(2 / m));
    layers.push({ w: tf.tensor2d(w, [m, n]), b: tf.zeros([n]) });
  }
  return { layers } as unknown as { layers: Layer[] } & Tree<Tensor>;
}

function mlpLoss(x: Tensor, y: Tensor): (p: Tree<Tensor>) => Tensor {
  return (p) => {
    const { layers } = p as unknown as { layers: Layer[] };
    let h = x;
    layers.forEach((l, i) => {
      h = tf.add(tf.matMul(h, l.w), l.b);
      if (i + 1 < layers.length) h = tf.relu(h);
    });
    return tf.mean(tf.square(tf.sub(h, y)));
  };
}

/** A chain of transcendental elementwise ops on 1e5 values, the shape of a detector-response model. */
function elementwiseLoss(p: Tree<Tensor>): Tensor {
  const { x, a } = p as { x: Tensor; a: Tensor };
  const g = tf.exp(tf.mul(-0.5, tf.square(tf.sub(x, a))));
  const s = tf.sigmoid(tf.mul(4, tf.sin(tf.mul(x, a))));
  const t = tf.tanh(tf.add(tf.mul(g, s), tf.log1p(tf.square(x))));
  return tf.mean(tf.mul(t, tf.sqrt(tf.add(tf.abs(x), 1))));
}

function forwardOnly(f: (p: Tree<Tensor>) => Tensor, params: Tree<Tensor>): () => void {
  return () => tf.tidy(() => void f(params).dataSync());
}

/** tf.valueAndGrads on the same function and inputs, reading value and gradients as our wrapper does. */
function rawValueAndGrads(f: (p: Tree<Tensor>) => Tensor, leaves: Tensor[], rebuild: (xs: Tensor[]) => Tree<Tensor>): () => void {
  return () =>
    tf.tidy(() => {
      const r = tf.valueAndGrads((...xs: Tensor[]) => f(rebuild(xs)) as tf.Scalar)(leaves);
      r.value.dataSync();
      r.grads.forEach((g) => g.dataSync());
    });
}

/**
 * Runs the functions in turn, `reps` rounds, so that load from other
 * processes hits all alike, and keeps the fastest run of each: on a shared
 * machine noise only ever adds time, so the minimum is the steadiest
 * estimate of the cost. Returns ms per function.
 */
function interleaved<K extends string>(fns: Record<K, () => void>, reps: number, warmup = 3): Record<K, number> {
  const names = Object.keys(fns) as K[];
  for (let i = 0; i < warmup; i++) for (const n of names) fns[n]();
  const best = Object.fromEntries(names.map((n) => [n, Infinity])) as Record<K, number>;
  for (let i = 0; i < reps; i++) {
    for (const n of names) {
      const t0 = performance.now();
      fns[n]();
      best[n] = Math.min(best[n], performance.now() - t0);
    }
  }
  return best;
}

/**
 * A 3×3 'same' convolution + bias through nn.conv2dApply (backward pass of
 * nn/conv-op.ts) and through tf.conv2d (tfjs's own gradient, whose filter
 * adjoint Conv2DBackpropFilter has no wasm kernel and goes through the cpu
 * bridge): forward, and forward + backward (input, filter and bias gradients).
 */
function convCosts(shape: [number, number, number, number], outCh: number, reps: number): { forward: number; op: number; tfjs: number } {
  const key = PRNGKey.fromSeed('bench-conv').fold(shape.join('x'));
  const [b, h, w, c] = shape;
  const x = tf.tensor4d(Float32Array.from(key.fold('x').normals(b * h * w * c)), shape);
  const p = { w: tf.tensor4d(Float32Array.from(key.fold('w').normals(9 * c * outCh), (z) => z * Math.sqrt(2 / (9 * c))), [3, 3, c, outCh]), b: tf.zeros([outCh]) };
  const r = tf.tensor4d(Float32Array.from(key.fold('r').normals(b * h * w * outCh)), [b, h, w, outCh]);
  const backward = (conv: (xx: Tensor, ww: Tensor, bb: Tensor) => Tensor) => () =>
    tf.tidy(() => tf.grads((xx: Tensor, ww: Tensor, bb: Tensor) => tf.sum(tf.mul(conv(xx, ww, bb), r)))([x, p.w, p.b]).forEach((g) => g.dataSync()));
  const viaNn = (xx: Tensor, ww: Tensor, bb: Tensor) => nn.conv2dApply({ w: ww, b: bb }, xx, { padding: 'same' });
  const viaTf = (xx: Tensor, ww: Tensor, bb: Tensor) => tf.add(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, 'same'), bb);
  const fast = interleaved({ forward: () => tf.tidy(() => void viaNn(x, p.w, p.b).dataSync()), op: backward(viaNn) }, reps);
  // The bridged path costs 10²–10³ forward passes: a few runs suffice.
  const slow = interleaved({ tfjs: backward(viaTf) }, 3, 1);
  tf.dispose([x, p.w, p.b, r]);
  return { ...fast, ...slow };
}

function row(name: string, value: number, unit: string, note?: string): BenchRow {
  return { name, value: Number(value.toPrecision(4)), unit, note };
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const reps = 150;

  // ---- MLP
  const key = PRNGKey.fromSeed('bench-data');
  const x = tf.tensor2d(Float32Array.from(key.fold('x').normals(BATCH * SIZES[0])), [BATCH, SIZES[0]]);
  const y = tf.tensor2d(Float32Array.from(key.fold('y').normals(BATCH * SIZES[4])), [BATCH, SIZES[4]]);
  const params = mlpParams();
  const loss = mlpLoss(x, y);
  const vg = valueAndGrad(loss);
  const vgUnchecked = valueAndGrad(loss, { checkFinite: false });
  const leaves = params.layers.flatMap((l) => [l.w, l.b]);
  const rebuild = (xs: Tensor[]) => ({ layers: params.layers.map((_, i) => ({ w: xs[2 * i], b: xs[2 * i + 1] })) }) as unknown as Tree<Tensor>;
  const mlp = interleaved(
    { forward: forwardOnly(loss, params), vg: () => vg(params), raw: rawValueAndGrads(loss, leaves, rebuild), unchecked: () => vgUnchecked(params) },
    reps,
    5,
  );
  rows.push(row('MLP 16-64-32-32-5, batch 256: forward', mlp.forward, 'ms'));
  rows.push(row('MLP: valueAndGrad', mlp.vg, 'ms'));
  rows.push(row('MLP: valueAndGrad / forward', mlp.vg / mlp.forward, '×', 'target ≤ 3'));
  rows.push(row('MLP: tf.valueAndGrads (raw tfjs)', mlp.raw, 'ms'));
  rows.push(row('MLP: raw tfjs / forward', mlp.raw / mlp.forward, '×'));
  rows.push(row('MLP: valueAndGrad / raw tfjs', mlp.vg / mlp.raw, '×', 'target ≤ 1.1'));
  rows.push(row('MLP: valueAndGrad {checkFinite: false} / raw', mlp.unchecked / mlp.raw, '×'));

  // The same network through nn.mlpApply (one tape node per layer, the backward pass of nn/dense-op.ts);
  // its forward runs the same ops as the hand-written one above.
  const nnLoss = (p: Tree<Tensor>) => tf.mean(tf.square(tf.sub(nn.mlpApply(p, x), y)));
  const nnVg = valueAndGrad(nnLoss);
  const nnm = interleaved({ forward: forwardOnly(nnLoss, params), vg: () => nnVg(params), raw: rawValueAndGrads(nnLoss, leaves, rebuild) }, reps, 5);
  rows.push(row('MLP via nn.mlpApply: forward', nnm.forward, 'ms'));
  rows.push(row('MLP via nn.mlpApply: valueAndGrad', nnm.vg, 'ms'));
  rows.push(row('MLP via nn.mlpApply: valueAndGrad / forward', nnm.vg / nnm.forward, '×', 'target ≤ 3'));
  rows.push(row('MLP via nn.mlpApply: valueAndGrad / raw tfjs', nnm.vg / nnm.raw, '×', 'target ≤ 1.1'));
  rows.push(row('MLP via nn.mlpApply: valueAndGrad / plain-ops valueAndGrad', nnm.vg / mlp.vg, '×', 'not the same round'));

  // Where the time goes: kernels launched and time spent inside them (tf.profile), forward vs valueAndGrad.
  const prof = async (fn: () => void) => {
    let best = { kernels: 0, ms: Infinity };
    for (let i = 0; i < 7; i++) {
      const info = await tf.profile(fn);
      const ms = info.kernels.reduce((t, k) => t + (k.kernelTimeMs as number), 0);
      if (ms < best.ms) best = { kernels: info.kernels.length, ms };
    }
    return best;
  };
  const pf = await prof(forwardOnly(loss, params));
  const pv = await prof(() => void vg(params));
  rows.push(row('MLP: kernels launched, forward', pf.kernels, ''));
  rows.push(row('MLP: kernels launched, valueAndGrad', pv.kernels, '', 'incl. saved-tensor clones'));
  rows.push(row('MLP: time inside kernels, forward', pf.ms, 'ms'));
  rows.push(row('MLP: time inside kernels, valueAndGrad', pv.ms, 'ms'));
  // The same network on a 16× larger batch: arithmetic starts to outweigh per-kernel cost.
  const xBig = tf.tile(x, [16, 1]);
  const yBig = tf.tile(y, [16, 1]);
  const lossBig = mlpLoss(xBig, yBig);
  const vgBig = valueAndGrad(lossBig);
  const big = interleaved({ forward: forwardOnly(lossBig, params), vg: () => vgBig(params) }, 15, 2);
  rows.push(row('MLP, batch 4096: valueAndGrad / forward', big.vg / big.forward, '×', `forward ${big.forward.toFixed(2)} ms`));
  xBig.dispose();
  yBig.dispose();

  // ---- elementwise-heavy
  const ex = tf.tensor1d(Float32Array.from(key.fold('e').normals(100_000)));
  const eparams = { x: ex, a: 0.7 };
  const eTensors = { x: ex, a: tf.scalar(0.7) };
  const evg = valueAndGrad(elementwiseLoss);
  const evgKeep = valueAndGrad(elementwiseLoss, { keep: true });
  const keepAndDispose = () => {
    const r = evgKeep(eparams);
    r.tensors!.value.dispose();
    disposeTree(r.tensors!.grad);
  };
  const el = interleaved(
    { forward: forwardOnly(elementwiseLoss, eTensors), vg: () => evg(eparams), raw: rawValueAndGrads(elementwiseLoss, [ex, eTensors.a], (xs) => ({ x: xs[0], a: xs[1] })), keep: keepAndDispose },
    Math.ceil(reps / 3),
  );
  rows.push(row('elementwise chain, 1e5 values: forward', el.forward, 'ms'));
  rows.push(row('elementwise: valueAndGrad', el.vg, 'ms'));
  rows.push(row('elementwise: valueAndGrad / forward', el.vg / el.forward, '×', 'target ≤ 3'));
  rows.push(row('elementwise: valueAndGrad / raw tfjs', el.vg / el.raw, '×', 'target ≤ 1.1; plain-array gradient'));
  rows.push(row('elementwise: valueAndGrad {keep: true} / raw tfjs', el.keep / el.raw, '×', 'gradient kept as tensors'));

  // ---- tiny function: fixed per-call cost
  const rosen = (p: Tree<Tensor>) => {
    const { a, b } = p as { a: Tensor; b: Tensor };
    return tf.add(tf.square(tf.sub(1, a)), tf.mul(100, tf.square(tf.sub(b, tf.square(a)))));
  };
  const rp = { a: -1.2, b: 1 };
  const ra = tf.scalar(-1.2);
  const rb = tf.scalar(1);
  const rvg = valueAndGrad(rosen);
  const h = hessian(rosen);
  const twenty = (fn: () => void) => () => {
    for (let i = 0; i < 20; i++) fn();
  };
  const tiny = interleaved({ vg: twenty(() => rvg(rp)), raw: twenty(rawValueAndGrads(rosen, [ra, rb], (xs) => ({ a: xs[0], b: xs[1] }))), hessian: () => h(rp) }, 30);
  const tinyVg = tiny.vg / 20;
  rows.push(row('Rosenbrock on two scalars: valueAndGrad', tinyVg * 1000, 'µs'));
  rows.push(row('Rosenbrock: valueAndGrad / raw tfjs', tiny.vg / tiny.raw, '×', 'fixed per-call cost'));

  rows.push(row('Rosenbrock: hessian (2×2)', tiny.hessian * 1000, 'µs'));
  rows.push(row('Rosenbrock: hessian / valueAndGrad', tiny.hessian / tinyVg, '×', '3 second-order passes'));

  // ---- convolution: backward pass of nn/conv-op.ts against tfjs's default gradient
  for (const [shape, outCh, reps] of [[[64, 7, 7, 6], 8, 40], [[32, 16, 16, 16], 32, 10]] as [[number, number, number, number], number, number][]) {
    const cv = convCosts(shape, outCh, reps);
    const name = `conv 3×3 same [${shape.join(', ')}] → ${outCh}`;
    rows.push(row(`${name}: forward`, cv.forward, 'ms'));
    rows.push(row(`${name}: forward + backward, nn.conv2dApply`, cv.op, 'ms'));
    rows.push(row(`${name}: forward + backward, tf.conv2d (tfjs gradient)`, cv.tfjs, 'ms'));
    rows.push(row(`${name}: (forward + backward) / forward, nn.conv2dApply`, cv.op / cv.forward, '×'));
    rows.push(row(`${name}: (forward + backward) / forward, tf.conv2d`, cv.tfjs / cv.forward, '×'));
    rows.push(row(`${name}: tf.conv2d / nn.conv2dApply, forward + backward`, cv.tfjs / cv.op, '×'));
  }

  [x, y, ex, eTensors.a, ra, rb, ...leaves].forEach((t) => t.dispose());
  rows.push(row('tensors alive after the benchmark', tf.memory().numTensors, ''));
  return rows;
}
