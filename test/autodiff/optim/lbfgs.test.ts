import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { tf, lbfgs, dampedNewton, fgFromParamSet, fghFromParamSet, ParamSet, param, prngKey, NonFiniteError, strongWolfeSearch, WOLFE_C1, WOLFE_C2, type Tensor, type Tree } from '../../../src/autodiff/index.js';
import { propertyParams } from '../../../src/autodiff/testing/index.js';

const rosen = (x: Float64Array) => ({
  value: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2,
  grad: Float64Array.of(-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)),
});
const rosenH = (x: Float64Array) => ({
  ...rosen(x),
  hessian: [
    [2 - 400 * (x[1] - 3 * x[0] ** 2), -400 * x[0]],
    [-400 * x[0], 200],
  ],
});

describe('optim: L-BFGS and damped Newton', () => {
  it('L-BFGS finds the Rosenbrock minimum to 1e-6', () => {
    const r = lbfgs(rosen, Float64Array.of(-1.2, 1), { gtol: 1e-10 });
    assert.ok(r.converged, r.message);
    assert.ok(Math.abs(r.x[0] - 1) < 1e-6 && Math.abs(r.x[1] - 1) < 1e-6, `${r.x}`);
  });

  it('L-BFGS minimizes a 50-dimensional ill-conditioned quadratic', () => {
    const n = 50;
    const d = Array.from({ length: n }, (_, i) => Math.pow(10, (4 * i) / (n - 1)));
    const f = (x: Float64Array) => ({ value: 0.5 * x.reduce((s, v, i) => s + d[i] * (v - 1) ** 2, 0), grad: x.map((v, i) => d[i] * (v - 1)) });
    const r = lbfgs(f, new Float64Array(n), { gtol: 1e-6, maxIterations: 3000 });
    assert.ok(r.converged, r.message);
    assert.ok(Math.max(...Array.from(r.x, (v) => Math.abs(v - 1))) < 1e-6);
  });

  it('L-BFGS with bounds stops on the active bound', () => {
    const r = lbfgs(rosen, Float64Array.of(-1.2, 0.2), { bounds: [[-2, 0.5], null], gtol: 1e-9 });
    assert.equal(r.x[0], 0.5);
    assert.ok(Math.abs(r.x[1] - 0.25) < 1e-5, `${r.x}`);
  });

  it('damped Newton finds the Rosenbrock minimum from a non-convex start', () => {
    const r = dampedNewton(rosenH, Float64Array.of(-1.2, 1), { gtol: 1e-10 });
    assert.ok(r.converged, r.message);
    assert.ok(Math.abs(r.x[0] - 1) < 1e-8 && Math.abs(r.x[1] - 1) < 1e-8);
  });

  it('fit a Gaussian NLL on a ParamSet: the MLE matches the closed form', () => {
    const data = prngKey(5).normals(2000).map((z) => 3 + 0.5 * z);
    const mean = data.reduce((a, b) => a + b, 0) / data.length;
    const sd = Math.sqrt(data.reduce((a, b) => a + (b - mean) ** 2, 0) / data.length);
    const x = tf.tensor1d(Float32Array.from(data));
    const ps = new ParamSet({ mu: param(0), sigma: param(1, { transform: 'log' }) });
    const nll = (p: Tree<Tensor>) => {
      const { mu, sigma } = p as { mu: Tensor; sigma: Tensor };
      return tf.add(tf.mul(data.length, tf.log(sigma)), tf.div(tf.sum(tf.square(tf.sub(x, mu))), tf.mul(2, tf.square(sigma))));
    };
    const before = tf.memory().numTensors;
    const r = lbfgs(fgFromParamSet(nll, ps), ps.unconstrainedVector(), { gtol: 1e-3 });
    assert.equal(tf.memory().numTensors, before, 'the oracle leaves no tensor behind');
    ps.setUnconstrained(r.x);
    assert.ok(Math.abs((ps.get('mu') as number) - mean) < 1e-4, `${ps.get('mu')} vs ${mean}`);
    assert.ok(Math.abs((ps.get('sigma') as number) - sd) < 1e-4, `${ps.get('sigma')} vs ${sd}`);
    const n = dampedNewton(fghFromParamSet(nll, ps), ps.unconstrainedVector(), { gtol: 1e-3, fPrecision: 1e-6 });
    assert.ok(n.converged, n.message);
    x.dispose();
  });
});

describe('optim: L-BFGS and damped Newton, harder cases', () => {
  it('L-BFGS converges on the 10-dimensional Rosenbrock function from several starts', () => {
    const n = 10;
    const f = (x: Float64Array) => {
      let value = 0;
      const grad = new Float64Array(n);
      for (let i = 0; i < n - 1; i++) {
        const t = x[i + 1] - x[i] ** 2;
        value += 100 * t * t + (1 - x[i]) ** 2;
        grad[i] += -400 * x[i] * t - 2 * (1 - x[i]);
        grad[i + 1] += 200 * t;
      }
      return { value, grad };
    };
    const key = prngKey(21);
    for (let s = 0; s < 3; s++) {
      const x0 = Float64Array.from(key.fold(s).normals(n), (z) => z * 0.5);
      const r = lbfgs(f, x0, { gtol: 1e-9, maxIterations: 2000 });
      assert.ok(r.converged, r.message);
      assert.ok(Array.from(r.x).every((v) => Math.abs(v - 1) < 1e-6), `start ${s}: ${Array.from(r.x)}`);
    }
  });

  it('bounded L-BFGS: a coupled quadratic stops at the KKT point (1, 0)', () => {
    // f = ½(x−c)ᵀA(x−c), A = [[2,1],[1,2]], c = (2, −0.5), box [−1, 1]²: x₀ pinned at 1, ∂f/∂x₁ = 0 gives x₁ = 0.
    const f = (x: Float64Array) => {
      const d = [x[0] - 2, x[1] + 0.5];
      const g = Float64Array.of(2 * d[0] + d[1], d[0] + 2 * d[1]);
      return { value: 0.5 * (d[0] * g[0] + d[1] * g[1]), grad: g };
    };
    const r = lbfgs(f, Float64Array.of(-0.9, 0.9), { bounds: [[-1, 1], [-1, 1]], gtol: 1e-10, ftol: 0 });
    assert.ok(r.converged, r.message);
    assert.equal(r.x[0], 1);
    assert.ok(Math.abs(r.x[1]) < 1e-7, `${r.x}`);
    assert.ok(r.iterations < 20, `${r.iterations} iterations`);
  });

  it('bounded L-BFGS: non-negative least squares in 20 dimensions satisfies the KKT conditions', () => {
    const n = 20;
    const key = prngKey(22);
    const m = Array.from({ length: 30 }, (_, i) => Array.from(key.fold(i).normals(n)));
    const b = Array.from(key.fold('b').normals(30));
    const f = (x: Float64Array) => {
      const r = m.map((row, i) => row.reduce((s, v, j) => s + v * x[j], 0) - b[i]);
      const grad = new Float64Array(n);
      m.forEach((row, i) => row.forEach((v, j) => (grad[j] += v * r[i])));
      return { value: 0.5 * r.reduce((s, v) => s + v * v, 0), grad };
    };
    const res = lbfgs(f, new Float64Array(n).fill(1), { bounds: Array.from({ length: n }, () => [0, Infinity] as [number, number]), gtol: 1e-9, ftol: 0, maxIterations: 500 });
    assert.ok(res.converged, res.message);
    let active = 0;
    for (let j = 0; j < n; j++) {
      assert.ok(res.x[j] >= 0, `x[${j}] = ${res.x[j]} feasible`);
      if (res.x[j] === 0) {
        active++;
        assert.ok(res.grad[j] >= -1e-6, `active x[${j}]: gradient ${res.grad[j]} points outward`);
      } else assert.ok(Math.abs(res.grad[j]) < 1e-6, `free x[${j}]: gradient ${res.grad[j]}`);
    }
    assert.ok(active > 0 && active < n, `some but not all constraints active (${active})`);
    assert.ok(res.iterations < 100, `${res.iterations} iterations`);
  });

  it('damped Newton escapes negative curvature: the double well (x²−1)² from x = 0.2 goes to the minimum x = 1, not the maximum', () => {
    const f = (x: Float64Array) => ({ value: (x[0] ** 2 - 1) ** 2, grad: Float64Array.of(4 * x[0] * (x[0] ** 2 - 1)), hessian: [[12 * x[0] ** 2 - 4]] });
    const r = dampedNewton(f, Float64Array.of(0.2), { gtol: 1e-12 });
    assert.ok(r.converged, r.message);
    assert.ok(Math.abs(r.x[0] - 1) < 1e-9, `${r.x[0]}`);
    const rr = dampedNewton(rosenH, Float64Array.of(0, 1), { gtol: 1e-10 });
    assert.ok(rr.converged && Math.abs(rr.x[0] - 1) < 1e-8 && Math.abs(rr.x[1] - 1) < 1e-8, `indefinite start: ${rr.x}`);
  });

  it('damped Newton on the Gaussian NLL of a ParamSet matches the closed-form MLE and its curvature', () => {
    const data = prngKey(6).normals(500).map((z) => -1 + 2 * z);
    const n = data.length;
    const mean = data.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(data.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    const x = tf.tensor1d(Float32Array.from(data));
    const ps = new ParamSet({ mu: param(0), sigma: param(1, { transform: 'log' }) });
    const nll = (p: Tree<Tensor>) => {
      const { mu, sigma } = p as { mu: Tensor; sigma: Tensor };
      return tf.add(tf.mul(n, tf.log(sigma)), tf.div(tf.sum(tf.square(tf.sub(x, mu))), tf.mul(2, tf.square(sigma))));
    };
    const r = dampedNewton(fghFromParamSet(nll, ps), ps.unconstrainedVector(), { gtol: 1e-3, fPrecision: 1e-6 });
    assert.ok(r.converged, r.message);
    ps.setUnconstrained(r.x);
    assert.ok(Math.abs((ps.get('mu') as number) - mean) < 1e-4 * sd, `${ps.get('mu')} vs ${mean}`);
    assert.ok(Math.abs((ps.get('sigma') as number) / sd - 1) < 1e-4, `${ps.get('sigma')} vs ${sd}`);
    // Curvature in u = (μ, log σ) at the MLE: diag(n/σ², 2n), no correlation.
    const h = fghFromParamSet(nll, ps)(r.x).hessian;
    assert.ok(Math.abs(h[0][0] / (n / sd ** 2) - 1) < 1e-2, `∂²/∂μ² = ${h[0][0]} vs ${n / sd ** 2}`);
    assert.ok(Math.abs(h[1][1] / (2 * n) - 1) < 1e-2, `∂²/∂(log σ)² = ${h[1][1]} vs ${2 * n}`);
    assert.ok(Math.abs(h[0][1]) < 1e-2 * Math.sqrt(h[0][0] * h[1][1]), `cross term ${h[0][1]}`);
    x.dispose();
  });

  it('errors name the bad input: NaN objective, bad bounds, non-finite start, NaN gradient of a ParamSet loss', () => {
    assert.throws(() => lbfgs(() => ({ value: NaN, grad: Float64Array.of(0) }), Float64Array.of(0)), (e: unknown) => e instanceof NonFiniteError && /objective/.test(e.message));
    assert.throws(() => lbfgs(rosen, Float64Array.of(0, 0), { bounds: [[1, 0], null] }), /bounds\[0\]/);
    assert.throws(() => lbfgs(rosen, Float64Array.of(0, 0), { bounds: [null] }), /bounds has 1 entries/);
    assert.throws(() => lbfgs(rosen, Float64Array.of(0, NaN)), /x0\[1\]/);
    const ps = new ParamSet({ det: { gain: param(1), offset: param(0) } });
    const fg = fgFromParamSet((p) => tf.sqrt((p as { det: { offset: Tensor } }).det.offset), ps);
    assert.throws(() => fg(ps.unconstrainedVector()), (e: unknown) => e instanceof NonFiniteError && e.field === 'det.offset');
  });
});

describe('optim: strong-Wolfe line search', () => {
  it('returns steps satisfying both strong Wolfe conditions on Rosenbrock from random points, descent directions and initial steps (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: -1, max: 3, noNaN: true }), fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }), fc.double({ min: 1e-3, max: 1e3, noNaN: true }), (x0, x1, angle, alpha0) => {
        const x = Float64Array.of(x0, x1);
        const { value: f0, grad: g0 } = rosen(x);
        let d = Float64Array.of(Math.cos(angle), Math.sin(angle));
        if (g0[0] * d[0] + g0[1] * d[1] > 0) d = d.map((v) => -v);
        const dg0 = g0[0] * d[0] + g0[1] * d[1];
        fc.pre(dg0 < -1e-8);
        const p = strongWolfeSearch(rosen, x, f0, dg0, d, alpha0);
        assert.ok(p, 'a step is found');
        assert.ok(p.f <= f0 + WOLFE_C1 * p.alpha * dg0, `sufficient decrease: ${p.f} vs ${f0}`);
        const dg = p.g[0] * d[0] + p.g[1] * d[1];
        assert.ok(Math.abs(dg) <= WOLFE_C2 * Math.abs(dg0) * (1 + 1e-12), `curvature: |${dg}| vs ${WOLFE_C2}·|${dg0}|`);
      }),
      propertyParams(60),
    );
  });

  it('shrinks past points outside the domain (log barrier) instead of failing', () => {
    const f = (x: Float64Array) => ({ value: x[0] - Math.log(x[0]), grad: Float64Array.of(1 - 1 / x[0]) });
    const p = strongWolfeSearch(f, Float64Array.of(0.1), f(Float64Array.of(0.1)).value, -9 * 10, Float64Array.of(10), 1);
    assert.ok(p && p.alpha > 0 && 0.1 + 10 * p.alpha > 0 && Number.isFinite(p.f));
    assert.throws(() => strongWolfeSearch(f, Float64Array.of(0.1), 0, 1, Float64Array.of(1)), /dg0/);
  });
});
