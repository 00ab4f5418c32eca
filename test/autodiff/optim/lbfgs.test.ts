import { strict as assert } from 'node:assert';
import { tf, lbfgs, dampedNewton, fgFromParamSet, fghFromParamSet, ParamSet, param, prngKey, type Tensor, type Tree } from '../../../src/autodiff/index.js';

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
    const r = lbfgs(fgFromParamSet(nll, ps), ps.unconstrainedVector(), { gtol: 1e-3 });
    ps.setUnconstrained(r.x);
    assert.ok(Math.abs((ps.get('mu') as number) - mean) < 1e-4, `${ps.get('mu')} vs ${mean}`);
    assert.ok(Math.abs((ps.get('sigma') as number) - sd) < 1e-4, `${ps.get('sigma')} vs ${sd}`);
    const n = dampedNewton(fghFromParamSet(nll, ps), ps.unconstrainedVector(), { gtol: 1e-3 });
    assert.ok(n.converged, n.message);
    x.dispose();
  });
});
