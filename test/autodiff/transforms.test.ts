/**
 * The gradient transforms against finite differences and closed forms:
 * valueAndGrad/grad on mixed trees, gradTensors (nested), hessian
 * (Rosenbrock, Gaussian NLL), jacobian, vjp, jvp.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tf, valueAndGrad, grad, gradTensors, hessian, jacobian, vjp, jvp, ShapeMismatchError, PRNGKey, type Tensor, type Tree } from '../../src/autodiff/index.js';
import { checkGrad, propertyParams, arbFloat32, arbTensorData } from '../../src/autodiff/testing/index.js';
import { assertClose, assertAllClose, assertGradOk, values, assertNoLeak } from './helpers.js';

type P = { a: Tensor; b: { w: Tensor; c: Tensor } };

// A function of a tree mixing a scalar, a vector and a nested scalar.
const mixed = (t: Tree<Tensor>) => {
  const p = t as unknown as P;
  return tf.add(tf.sum(tf.sin(tf.mul(p.a, p.b.w))), tf.mul(tf.square(p.b.c), tf.sum(tf.pow(p.b.w, 3))));
};

describe('autodiff transforms', () => {
  it('valueAndGrad on a tree of scalars and tensors matches finite differences (property)', () => {
    fc.assert(
      fc.property(arbFloat32(-2, 2), arbTensorData([4], -1.5, 1.5), arbFloat32(-1, 1), (a, w, c) => {
        const w0 = tf.tensor(w.values, w.shape);
        try {
          const r = checkGrad(mixed, { a, b: { w: w0, c } }, { rtol: 1e-2, atol: 1e-3 });
          assertGradOk(r, 'mixed tree');
        } finally {
          w0.dispose();
        }
      }),
      propertyParams(15, 101),
    );
  });

  it('valueAndGrad returns the analytic gradient in the tree structure, and grad agrees', () => {
    const w = tf.tensor1d([0.5, -1, 2]);
    const params = { a: 0.7, b: { w, c: -0.3 } };
    const r = assertNoLeak(() => valueAndGrad(mixed)(params), 'valueAndGrad');
    const wv = [0.5, -1, 2];
    const a = 0.7;
    const c = -0.3;
    assertClose(r.value, wv.reduce((s, x) => s + Math.sin(a * x), 0) + c * c * wv.reduce((s, x) => s + x ** 3, 0), 1e-5, 1e-6, 'value');
    const g = r.grad as { a: number; b: { w: number[]; c: number } };
    assertClose(g.a, wv.reduce((s, x) => s + x * Math.cos(a * x), 0), 1e-5, 1e-6, 'd/da');
    assertAllClose(g.b.w, wv.map((x) => a * Math.cos(a * x) + 3 * c * c * x * x), 1e-5, 1e-6, 'd/dw');
    assertClose(g.b.c, 2 * c * wv.reduce((s, x) => s + x ** 3, 0), 1e-5, 1e-6, 'd/dc');
    assert.deepEqual(grad(mixed)(params), r.grad);
    const kept = valueAndGrad(mixed, { keep: true })(params);
    const kg = kept.tensors!.grad as unknown as P;
    assertAllClose(values(kg.b.w), g.b.w, 0, 0, 'kept tensors');
    kg.a.dispose();
    kg.b.w.dispose();
    kg.b.c.dispose();
    kept.tensors!.value.dispose();
    w.dispose();
  });

  it('gradTensors nests: the gradient of a Hessian-vector product matches finite differences', () => {
    const f = (t: Tree<Tensor>) => {
      const p = t as { x: Tensor };
      return tf.sum(tf.mul(tf.pow(p.x, 3), tf.tensor1d([1, 2, 3])));
    };
    fc.assert(
      fc.property(arbTensorData([3], -1, 1), (x) => {
        const x0 = tf.tensor(x.values, x.shape);
        try {
          // x ↦ <∇f(x), v>: its gradient is H v = 6·x·[1,2,3]·v.
          const v = [0.3, -0.2, 0.5];
          const hv = (t: Tree<Tensor>) => tf.sum(tf.mul((gradTensors(f)(t) as { x: Tensor }).x, tf.tensor1d(v)));
          assertGradOk(checkGrad(hv, { x: x0 }, { rtol: 1e-2, atol: 1e-3 }), 'gradTensors(gradTensors)');
          const g = valueAndGrad(hv)({ x: x0 }).grad as { x: number[] };
          assertAllClose(g.x, x.values.map((xi, i) => 6 * xi * (i + 1) * v[i]), 1e-5, 1e-5, 'H v');
        } finally {
          x0.dispose();
        }
      }),
      propertyParams(10, 102),
    );
  });

  const rosenbrock = (t: Tree<Tensor>) => {
    const p = t as { x: Tensor; y: Tensor };
    return tf.add(tf.square(tf.sub(1, p.x)), tf.mul(100, tf.square(tf.sub(p.y, tf.square(p.x)))));
  };
  const rosenbrockH = (x: number, y: number) => [
    [2 - 400 * (y - x * x) + 800 * x * x, -400 * x],
    [-400 * x, 200],
  ];

  it('hessian of Rosenbrock at (1, 1) is exactly [[802, -400], [-400, 200]]', () => {
    const h = assertNoLeak(() => hessian(rosenbrock)({ x: 1, y: 1 }), 'hessian');
    assert.deepEqual(h.names, ['x', 'y']);
    assert.deepEqual(h.matrix, [
      [802, -400],
      [-400, 200],
    ]);
    assert.deepEqual(h.gradient, [0, 0]);
    assert.equal(h.value, 0);
  });

  it('hessian of Rosenbrock at random points matches the analytic Hessian (property)', () => {
    fc.assert(
      fc.property(arbFloat32(-2, 2), arbFloat32(-1, 3), (x, y) => {
        const h = hessian(rosenbrock)({ x, y });
        const ref = rosenbrockH(x, y);
        const scale = Math.max(...ref.flat().map(Math.abs));
        for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) assertClose(h.matrix[i][j], ref[i][j], 1e-5, 1e-5 * scale, `H[${i}][${j}] at (${x}, ${y})`);
      }),
      propertyParams(20, 103),
    );
  });

  it('hessian over a tree with a tensor leaf: xᵀAx has H = A + Aᵀ, names per element (property)', () => {
    const A = [
      [2, 1, 0],
      [0.5, 3, 1],
      [0, 1, 4],
    ];
    fc.assert(
      fc.property(arbTensorData([3], -2, 2), arbFloat32(-1, 1), (x, c) => {
        const xt = tf.tensor(x.values, x.shape);
        const f = (t: Tree<Tensor>) => {
          const p = t as { x: Tensor; c: Tensor };
          return tf.add(tf.sum(tf.mul(p.x, tf.matMul(tf.tensor2d(A), p.x.reshape([3, 1])).reshape([3]))), tf.mul(p.c, tf.sum(p.x)));
        };
        const h = hessian(f)({ x: xt, c });
        assert.deepEqual(h.names, ['x[0]', 'x[1]', 'x[2]', 'c']);
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 3; j++) assertClose(h.matrix[i][j], A[i][j] + A[j][i], 1e-6, 1e-6, `H[${i}][${j}]`);
          assertClose(h.matrix[i][3], 1, 1e-6, 1e-6, `H[${i}][c]`);
        }
        assertClose(h.matrix[3][3], 0, 0, 1e-6, 'H[c][c]');
        xt.dispose();
      }),
      propertyParams(8, 107),
    );
  });

  it('hessian of a Gaussian negative log-likelihood matches its closed form', () => {
    const data = Array.from(PRNGKey.fromSeed(7).normals(50), (z) => 1.5 + 0.8 * z);
    const x = tf.tensor1d(data);
    // NLL(mu, s) = Σ (x − mu)² e^{−2s}/2 + n·s with s = ln σ.
    const nll = (t: Tree<Tensor>) => {
      const p = t as { mu: Tensor; logSigma: Tensor };
      const r = tf.sub(x, p.mu);
      return tf.add(tf.mul(0.5, tf.sum(tf.mul(tf.square(r), tf.exp(tf.mul(-2, p.logSigma))))), tf.mul(data.length, p.logSigma));
    };
    for (const [mu, s] of [
      [1.4, Math.log(0.7)],
      [2.0, 0.1],
    ]) {
      const h = hessian(nll)({ mu, logSigma: s });
      const e2 = Math.exp(-2 * s);
      const sr = data.reduce((a, v) => a + (v - mu), 0);
      const sr2 = data.reduce((a, v) => a + (v - mu) ** 2, 0);
      const ref = [
        [data.length * e2, 2 * sr * e2],
        [2 * sr * e2, 2 * sr2 * e2],
      ];
      const scale = Math.max(...ref.flat().map(Math.abs));
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) assertClose(h.matrix[i][j], ref[i][j], 1e-4, 1e-5 * scale, `NLL H[${i}][${j}] at mu=${mu}`);
    }
    x.dispose();
  });

  const fvec = (x: Tensor) => {
    const [a, b, c] = tf.unstack(x);
    return tf.stack([tf.mul(a, tf.sin(b)), tf.add(tf.exp(tf.mul(0.5, c)), tf.mul(a, b))]);
  };
  const jacRef = ([a, b, c]: number[]) => [
    [Math.sin(b), a * Math.cos(b), 0],
    [b, a, 0.5 * Math.exp(0.5 * c)],
  ];

  it('jacobian matches the analytic Jacobian and finite differences (property)', () => {
    fc.assert(
      fc.property(fc.array(arbFloat32(-2, 2), { minLength: 3, maxLength: 3 }), (x) => {
        const j = jacobian(fvec)(x);
        const ref = jacRef(x);
        for (let i = 0; i < 2; i++) assertAllClose(j[i], ref[i], 1e-5, 1e-6, `J[${i}]`);
        // finite differences, column by column
        const h = 1e-2;
        for (let k = 0; k < 3; k++) {
          const xp = x.slice();
          const xm = x.slice();
          xp[k] += h;
          xm[k] -= h;
          const fp = tf.tidy(() => values(fvec(tf.tensor1d(xp))));
          const fm = tf.tidy(() => values(fvec(tf.tensor1d(xm))));
          for (let i = 0; i < 2; i++) assertClose(j[i][k], (fp[i] - fm[i]) / (2 * h), 0, 2e-3 * (1 + Math.abs(j[i][k])), `J[${i}][${k}] vs fd`);
        }
      }),
      propertyParams(15, 104),
    );
  });

  it('vjp pulls back a cotangent as Jᵀu; jvp pushes a tangent as J v and matches finite differences (property)', () => {
    fc.assert(
      fc.property(fc.array(arbFloat32(-2, 2), { minLength: 3, maxLength: 3 }), fc.array(arbFloat32(-1, 1), { minLength: 3, maxLength: 3 }), fc.array(arbFloat32(-1, 1), { minLength: 2, maxLength: 2 }), (x, v, u) => {
        const J = jacRef(x);
        tf.tidy(() => {
          const xt = tf.tensor1d(x);
          const { out, pullback } = vjp((z) => fvec(z), [xt]);
          assertAllClose(values(out), values(fvec(xt)), 0, 0, 'vjp out');
          const [ct] = pullback(tf.tensor1d(u));
          assertAllClose(values(ct), [0, 1, 2].map((k) => u[0] * J[0][k] + u[1] * J[1][k]), 1e-5, 1e-5, 'Jᵀu');
          const r = jvp((z) => fvec(z), [xt], [tf.tensor1d(v)]);
          const jv = [0, 1].map((i) => J[i].reduce((s, jik, k) => s + jik * v[k], 0));
          assertAllClose(values(r.tangent), jv, 1e-5, 1e-5, 'J v');
          const h = 1e-2;
          const fp = values(fvec(tf.tensor1d(x.map((xi, k) => xi + h * v[k]))));
          const fm = values(fvec(tf.tensor1d(x.map((xi, k) => xi - h * v[k]))));
          assertAllClose(values(r.tangent), fp.map((p, i) => (p - fm[i]) / (2 * h)), 0, 3e-3 * (1 + Math.max(...jv.map(Math.abs))), 'J v vs fd');
        });
      }),
      propertyParams(15, 105),
    );
  });

  it('a parameter the function ignores gets a zero gradient (valueAndGrad, gradTensors)', () => {
    const f = (t: Tree<Tensor>) => tf.square((t as { x: Tensor }).x);
    const r = valueAndGrad(f)({ x: 3, frozen: { w: tf.tensor1d([1, 2]) } });
    assert.deepEqual(r.grad, { x: 6, frozen: { w: [0, 0] } });
    const g = tf.tidy(() => values((gradTensors(f)({ x: tf.scalar(3), unused: tf.scalar(1) }) as { unused: Tensor }).unused));
    assert.deepEqual(g, [0]);
  });

  it('einsum contractions are differentiable (property: gradients vs finite differences)', () => {
    fc.assert(
      fc.property(arbTensorData([2, 3], -1, 1), arbTensorData([3, 4], -1, 1), (a, b) => {
        const at = tf.tensor(a.values, a.shape);
        const bt = tf.tensor(b.values, b.shape);
        const p = { a: at, b: bt };
        const get = (t: Tree<Tensor>) => t as { a: Tensor; b: Tensor };
        assertGradOk(checkGrad((t) => tf.sum(tf.sin(tf.einsum('ij,jk->ik', get(t).a, get(t).b))), p), 'ij,jk->ik');
        assertGradOk(checkGrad((t) => tf.sum(tf.square(tf.einsum('ij,jk->ki', get(t).a, get(t).b))), p), 'ij,jk->ki');
        assertGradOk(checkGrad((t) => tf.sum(tf.mul(tf.einsum('ij->j', get(t).a), tf.tensor1d([1, -2, 3]))), { a: at }), 'ij->j');
        at.dispose();
        bt.dispose();
      }),
      propertyParams(8, 106),
    );
  });

  it('jvp rejects a tangent of the wrong shape, naming both shapes', () => {
    tf.tidy(() => {
      assert.throws(
        () => jvp((z) => fvec(z), [tf.tensor1d([1, 2, 3])], [tf.tensor1d([1, 2])]),
        (e: unknown) => e instanceof ShapeMismatchError && /\[3\]/.test(e.message) && /\[2\]/.test(e.message) && /tangents\[0\]/.test(e.message),
      );
    });
  });
});
