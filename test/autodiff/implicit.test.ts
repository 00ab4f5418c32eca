/**
 * implicitArgmin: gradients through an optimum equal those of an unrolled
 * gradient-descent solver differentiated by tf.grad, the closed form where
 * there is one, and finite differences of re-solved optima.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tf, implicitArgmin, linalg, PRNGKey, DiffhepError, type Tensor, type Tree } from '../../src/autodiff/index.js';
import { checkGrad, propertyParams, arbTensorData, arbFloat32 } from '../../src/autodiff/testing/index.js';
import { assertAllClose, assertGradOk, values } from './helpers.js';

type T = Tree<Tensor>;
const leaf = (t: T, k: string) => (t as Record<string, Tensor>)[k];

// ---- quadratic: L(x; b, s) = s/2 · xᵀAx − bᵀx, x* = A⁻¹b / s
const A = [
  [3, 0.5, -0.4],
  [0.5, 2, 0.3],
  [-0.4, 0.3, 1.5],
];
const At = () => tf.tensor2d(A);
const quadLoss = (x: Tensor, b: Tensor, s: Tensor) => tf.sub(tf.mul(tf.mul(0.5, s), tf.sum(tf.mul(x, tf.matMul(At(), x.reshape([-1, 1])).reshape([-1])))), tf.sum(tf.mul(b, x)));
const quadArgmin = implicitArgmin({
  loss: quadLoss,
  solve: ([b, s]) => linalg.solve(A, Array.from(b, (v) => v / s[0])),
});
/** Gradient descent on the quadratic, unrolled (differentiable in b and s). */
function quadUnrolled(b: Tensor, s: Tensor, iterations = 120): Tensor {
  let x = tf.zerosLike(b);
  const eta = tf.div(0.3, s); // 1/λmax(sA) ≈ 0.29/s
  for (let k = 0; k < iterations; k++) x = tf.sub(x, tf.mul(eta, tf.sub(tf.mul(s, tf.matMul(At(), x.reshape([-1, 1])).reshape([-1])), b)));
  return x;
}
const cQuad = tf.tensor1d([1, -2, 0.5]);
const quadObjective = (xStar: Tensor) => tf.sum(tf.mul(cQuad, tf.square(xStar)));

// ---- L2-regularized logistic regression: L(w; X, λ) = mean(softplus(−y·Xw)) + λ/2·|w|²
const N = 30;
const D = 3;
const key = PRNGKey.fromSeed('logistic');
const [kx, ky] = key.split(2);
const X0 = Array.from(kx.normals(N * D));
const wTrue = [1.5, -2, 0.7];
const Y = Array.from(ky.uniforms(N), (u, i) => {
  const z = wTrue.reduce((s, w, j) => s + w * X0[i * D + j], 0);
  return u < 1 / (1 + Math.exp(-z)) ? 1 : -1;
});
const Yt = tf.tensor1d(Y);
const logisticLoss = (w: Tensor, X: Tensor, lambda: Tensor) =>
  tf.add(tf.mean(tf.softplus(tf.neg(tf.mul(Yt, tf.matMul(X, w.reshape([-1, 1])).reshape([-1]))))), tf.mul(tf.mul(0.5, lambda), tf.sum(tf.square(w))));

/** Newton's method in float64 on the host: the solver the implicit gradient never differentiates. */
function solveLogistic(Xv: ArrayLike<number>, lambda: number): number[] {
  let w = new Array<number>(D).fill(0);
  for (let it = 0; it < 50; it++) {
    const g = w.map((wj) => lambda * wj);
    const H = Array.from({ length: D }, (_, a) => Array.from({ length: D }, (_, b) => (a === b ? lambda : 0)));
    for (let i = 0; i < N; i++) {
      const xi = Array.from({ length: D }, (_, j) => Xv[i * D + j]);
      const m = Y[i] * xi.reduce((s, v, j) => s + v * w[j], 0);
      const sig = 1 / (1 + Math.exp(m)); // σ(−m)
      for (let a = 0; a < D; a++) {
        g[a] -= (Y[i] * sig * xi[a]) / N;
        for (let b = 0; b < D; b++) H[a][b] += (sig * (1 - sig) * xi[a] * xi[b]) / N;
      }
    }
    const step = linalg.solve(H, g);
    w = w.map((wj, j) => wj - step[j]);
    if (Math.max(...step.map(Math.abs)) < 1e-14) break;
  }
  return w;
}
const logisticArgmin = implicitArgmin({ loss: logisticLoss, solve: ([Xv, l]) => solveLogistic(Xv, l[0]) });
/** Gradient descent on the logistic loss with its analytic gradient, unrolled. */
function logisticUnrolled(X: Tensor, lambda: Tensor, iterations = 150): Tensor {
  let w = tf.zeros([D]);
  for (let k = 0; k < iterations; k++) {
    const m = tf.mul(Yt, tf.matMul(X, w.reshape([-1, 1])).reshape([-1]));
    const coef = tf.div(tf.mul(Yt, tf.sigmoid(tf.neg(m))), -N); // dL/d(Xw)
    const g = tf.add(tf.matMul(coef.reshape([1, -1]), X).reshape([-1]), tf.mul(lambda, w));
    w = tf.sub(w, tf.mul(0.8, g));
  }
  return w;
}
const v = tf.tensor1d([0.4, 1, -0.7]);
const logisticObjective = (w: Tensor) => tf.add(tf.sum(tf.mul(v, w)), tf.sum(tf.square(w)));

describe('implicitArgmin', () => {
  after(() => {
    cQuad.dispose();
    Yt.dispose();
    v.dispose();
  });

  it('quadratic: gradients equal the closed form, the unrolled solver and finite differences (property)', () => {
    fc.assert(
      fc.property(arbTensorData([3], -2, 2), arbFloat32(0.5, 2), (bd, s) => {
        const b = tf.tensor(bd.values, bd.shape);
        const sT = tf.scalar(s);
        const [gb, gs] = tf.tidy(() => tf.grads((bb: Tensor, ss: Tensor) => quadObjective(quadArgmin(bb, ss)))([b, sT]).map(values));
        const [ub, us] = tf.tidy(() => tf.grads((bb: Tensor, ss: Tensor) => quadObjective(quadUnrolled(bb, ss)))([b, sT]).map(values));
        // closed form: x* = A⁻¹b/s, dg/db = A⁻¹(2c⊙x*)/s, dg/ds = −(2c⊙x*)·x*/s
        const xs = linalg.solve(A, bd.values.map((q) => Math.fround(q) / Math.fround(s)));
        const cx = [1, -2, 0.5].map((c, i) => 2 * c * xs[i]);
        const refB = linalg.solve(A, cx).map((q) => q / Math.fround(s));
        const refS = -cx.reduce((acc, q, i) => acc + q * xs[i], 0) / Math.fround(s);
        const scale = 1e-4 * (1 + Math.max(...refB.map(Math.abs), Math.abs(refS)));
        assertAllClose(gb, refB, 1e-4, scale, 'implicit d/db vs closed form');
        assertAllClose(gs, [refS], 1e-4, scale, 'implicit d/ds vs closed form');
        assertAllClose(gb, ub, 1e-3, scale, 'implicit vs unrolled d/db');
        assertAllClose(gs, us, 1e-3, scale, 'implicit vs unrolled d/ds');
        assertGradOk(checkGrad((t) => quadObjective(quadArgmin(leaf(t, 'b'), leaf(t, 's'))), { b, s: sT }, { rtol: 1e-2, atol: 1e-3 }), 'implicit vs fd of re-solved optima');
        b.dispose();
        sT.dispose();
      }),
      propertyParams(8, 601),
    );
  });

  it('logistic regression: gradients in the regularization strength and the data equal the unrolled solver and finite differences', () => {
    const X = tf.tensor2d(X0, [N, D]);
    for (const lambda of [0.3, 1.2]) {
      const l = tf.scalar(lambda);
      // the optimum itself: implicit (Newton) and unrolled GD agree
      const wImplicit = tf.tidy(() => values(logisticArgmin(X, l)));
      const wUnrolled = tf.tidy(() => values(logisticUnrolled(X, l)));
      assertAllClose(wImplicit, wUnrolled, 1e-4, 1e-5, `w* at λ=${lambda}`);
      const [gX, gl] = tf.tidy(() => tf.grads((xx: Tensor, ll: Tensor) => logisticObjective(logisticArgmin(xx, ll)))([X, l]).map(values));
      const [uX, ul] = tf.tidy(() => tf.grads((xx: Tensor, ll: Tensor) => logisticObjective(logisticUnrolled(xx, ll)))([X, l]).map(values));
      const scaleX = Math.max(...uX.map(Math.abs));
      assertAllClose(gl, ul, 1e-3, 1e-5, `d/dλ at λ=${lambda}`);
      assertAllClose(gX, uX, 1e-3, 1e-4 * scaleX, `d/dX at λ=${lambda}`);
      assert.ok(scaleX > 1e-3 && Math.abs(ul[0]) > 1e-3, 'the gradients are not trivially zero');
      // finite differences of re-solved optima (in λ and 12 elements of X)
      assertGradOk(checkGrad((t) => logisticObjective(logisticArgmin(leaf(t, 'X'), leaf(t, 'lambda'))), { X, lambda: l }, { maxElements: 13, rtol: 1e-2, atol: 1e-3, seed: 3 }), `fd at λ=${lambda}`);
      l.dispose();
    }
    X.dispose();
  });

  it('reports a singular Hessian at the optimum as a DiffhepError', () => {
    // L = (x0 + x1 − a)²: a line of minima, H singular
    const flat = implicitArgmin({ loss: (x, a) => tf.square(tf.sub(tf.sum(x), tf.sum(a))), solve: ([a]) => [a[0] / 2, a[0] / 2] });
    assert.throws(
      () => tf.tidy(() => tf.grad((a: Tensor) => tf.sum(flat(a)))(tf.tensor1d([1]))),
      (e: unknown) => e instanceof DiffhepError && /singular/.test(e.message),
    );
    // damping makes it solvable
    const damped = implicitArgmin({ loss: (x, a) => tf.square(tf.sub(tf.sum(x), tf.sum(a))), solve: ([a]) => [a[0] / 2, a[0] / 2], damping: 1e-3 });
    const g = tf.tidy(() => values(tf.grad((a: Tensor) => tf.sum(damped(a)))(tf.tensor1d([1]))));
    assert.ok(Number.isFinite(g[0]));
  });
});
