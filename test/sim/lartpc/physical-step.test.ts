import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { ParamSet, param } from '../../../src/autodiff/index.js';
import { propertyParams } from '../../../src/autodiff/testing/index.js';
import { coordinates, toPhysical, keepInside, unconstrainedOf, physicalSigma } from '../../../experiments/lartpc-calibration/physical-step.js';

// a sigmoid-bounded, a log-bounded and an identity parameter
const params = () =>
  new ParamSet({
    Ab: param(0.8, { bounds: [0.78, 0.88] }),
    tau: param(2200, { bounds: [500, 5000], transform: 'log' }),
    z: param(0.3),
  });

// f(x) = sum a_i x_i + 1/2 sum_ij Q_ij s_i s_j x_i x_j with scales s, analytic in x
const scale = [10, 1e-3, 1];
const a = [0.7, -0.4, 0.2];
const Q = [
  [3, 0.5, -0.2],
  [0.5, 2, 0.3],
  [-0.2, 0.3, 1.5],
];
const f = (x: number[]) => x.reduce((acc, xi, i) => acc + a[i] * scale[i] * xi, 0) + 0.5 * x.reduce((acc, xi, i) => acc + x.reduce((b, xj, j) => b + Q[i][j] * scale[i] * scale[j] * xi * xj, 0), 0);
const gradX = (x: number[]) => x.map((_, i) => a[i] * scale[i] + x.reduce((b, xj, j) => b + Q[i][j] * scale[i] * scale[j] * xj, 0));
const hessX = () => Q.map((r, i) => r.map((q, j) => q * scale[i] * scale[j]));

// diagonal of the inverse of a symmetric 3x3 matrix (cofactors)
function invDiag(m: number[][]): number[] {
  const det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  return [(m[1][1] * m[2][2] - m[1][2] * m[2][1]) / det, (m[0][0] * m[2][2] - m[0][2] * m[2][0]) / det, (m[0][0] * m[1][1] - m[0][1] * m[1][0]) / det];
}

describe('lartpc-calibration step coordinates', () => {
  it('toPhysical turns the u gradient and Hessian into those in y (sigmoid: x, log: u), against central differences in y (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.781, max: 0.879, noNaN: true }), fc.double({ min: 600, max: 4900, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true }), (ab, tau, z) => {
        const ps = params().set('Ab', ab).set('tau', tau).set('z', z);
        const x = Array.from(ps.trainableVector());
        const jd = ps.jacobianDiagonal();
        const u = Array.from(ps.unconstrainedVector());
        // chain rule in u from the analytic x derivatives: g_u = x' g_x, H_u = x' H_x x' + diag(g_x x'')
        const gx = gradX(x);
        const hx = hessX();
        let k = 0;
        const d2: number[] = [];
        for (const e of ps.trainable) d2.push(e.bij.secondDerivative(u[k++]));
        const gu = gx.map((g, i) => g * jd[i]);
        const hu = hx.map((r, i) => r.map((h, j) => h * jd[i] * jd[j] + (i === j ? gx[i] * d2[i] : 0)));
        const c = coordinates(ps);
        assert.deepEqual(c.physical, [true, false, false]);
        const { gradient, matrix } = toPhysical(c, gu, hu);
        // f as a function of y, differentiated numerically
        const fy = (y: number[]) => f(Array.from(params().setUnconstrained(unconstrainedOf(ps, y, c)).trainableVector()));
        const h = c.scale.map((s) => 1e-4 * s);
        const y0 = c.x;
        for (let i = 0; i < 3; i++) {
          const yp = y0.slice();
          const ym = y0.slice();
          yp[i] += h[i];
          ym[i] -= h[i];
          const num = (fy(yp) - fy(ym)) / (2 * h[i]);
          assert.ok(Math.abs(gradient[i] - num) < 1e-5 * (Math.abs(num) + 1), `g_y[${i}] ${gradient[i]} vs ${num}`);
          for (let j = 0; j < 3; j++) {
            const at = (di: number, dj: number) => {
              const y = y0.slice();
              y[i] += di * h[i];
              y[j] += dj * h[j];
              return fy(y);
            };
            const numH = (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * h[i] * h[j]);
            assert.ok(Math.abs(matrix[i][j] - numH) < 1e-3 * (Math.abs(numH) + Math.abs(matrix[i][i] * matrix[j][j]) ** 0.5 * 1e-3 + 1e-9), `H_y[${i}][${j}] ${matrix[i][j]} vs ${numH}`);
          }
        }
        // sigma in physical units: the y sigma for the sigmoid coordinate, times dx/du for the log one
        const s = physicalSigma(ps, c, matrix);
        const inv = [0, 1, 2].map((i) => Math.sqrt(2 * invDiag(matrix)[i]));
        assert.ok(Math.abs(s[0] - inv[0]) < 1e-9 * inv[0] && Math.abs(s[1] - inv[1] * jd[1]) < 1e-9 * inv[1] * jd[1] && Math.abs(s[2] - inv[2]) < 1e-9 * inv[2], `${s} vs ${inv}`);
      }),
      propertyParams(25, 4401),
    );
  });

  it('keepInside approaches a bound by halving the distance, leaves it freely, and never reaches it', () => {
    const ps = params().set('Ab', 0.781);
    const c = coordinates(ps);
    const y = keepInside(c, [-1, 0, 0]);
    assert.ok(Math.abs(y[0] - 0.7805) < 1e-12, `${y[0]}`);
    const back = keepInside(c, [0.04, 0, 0]);
    assert.ok(Math.abs(back[0] - 0.821) < 1e-12, `${back[0]}`);
    // towards the upper bound a step stops half way there as well
    assert.ok(Math.abs(keepInside(c, [0.5, 0, 0])[0] - 0.8305) < 1e-12);
    let p = params();
    for (let t = 0; t < 80; t++) {
      const ct = coordinates(p);
      const u = unconstrainedOf(p, keepInside(ct, [-1, -10, 0]), ct);
      assert.ok(u.every(Number.isFinite), `step ${t}: ${u}`);
      p = p.setUnconstrained(u);
    }
    const x = p.trainableVector();
    assert.ok(x[0] > 0.78 && x[1] > 500, `${x[0]} ${x[1]}`);
  });
});
