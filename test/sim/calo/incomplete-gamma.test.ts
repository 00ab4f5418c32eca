import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { tf, special, type Tensor } from '../../../src/autodiff/index.js';
import { gaussLegendre } from '../../../src/autodiff/quadrature.js';
import { assertGradClose, propertyParams, arbFloat32 } from '../../../src/autodiff/testing/index.js';
import { regularizedGammaP, gammaPDerivA, gammaQuantile, gammaByInversion } from '../../../src/sim/calo/index.js';

const EULER_GAMMA = 0.5772156649015329;
// Exponential integral E1 (Abramowitz & Stegun table 5.1).
const E1 = { 1: 0.21938393439552, 2: 0.048900510708061 } as const;

describe('calo: regularized incomplete gamma', () => {
  it('matches closed forms to 1e-6 (P(1,x) = 1 − e^−x, P(½,x) = erf √x, P(3,2), P(3/2,x))', () => {
    const cases: [number, number, number][] = [
      [1, 0.3, 1 - Math.exp(-0.3)],
      [1, 7, 1 - Math.exp(-7)],
      [0.5, 2, special.erf(Math.SQRT2)],
      [3, 2, 1 - 5 * Math.exp(-2)],
      [1.5, 4, special.erf(2) - 2 * Math.sqrt(4 / Math.PI) * Math.exp(-4)],
      [10, 3, 1 - Math.exp(-3) * [1, 3, 4.5, 4.5, 3.375, 2.025, 1.0125, 0.4339285714, 0.1627232143, 0.0542410714].reduce((a, b) => a + b)],
    ];
    const p = tf.tidy(() => regularizedGammaP(tf.tensor1d(cases.map((c) => c[0])), tf.tensor1d(cases.map((c) => c[1]))).dataSync());
    cases.forEach(([a, x, want], i) => assert.ok(Math.abs(p[i] - want) < 1e-6, `P(${a}, ${x}) = ${p[i]}, want ${want}`));
  });

  it('∂P/∂a matches −e^−x (γ_E + ln x) − E1(x) at a = 1 to 1e-8', () => {
    for (const x of [1, 2] as const) {
      const want = -Math.exp(-x) * (EULER_GAMMA + Math.log(x)) - E1[x];
      assert.ok(Math.abs(gammaPDerivA(1, x) - want) < 1e-8, `x=${x}: ${gammaPDerivA(1, x)} vs ${want}`);
    }
  });

  it('∂P/∂a matches a Gauss–Legendre quadrature of ∫ (ln t − ψ(a)) t^(a−1) e^−t / Γ(a) to 1e-6', () => {
    // ψ(a) from d/da ln Γ(a) by a float64 difference of lgamma; quadrature on t = x s^(1/a) (smooth integrand).
    const rule = gaussLegendre(40);
    const gl = rule.x.map((node, i) => [node, rule.w[i]] as const);
    for (const [a, x] of [[2.5, 1.7], [4.2, 6.0], [7.0, 3.0]]) {
      const psi = (special.lgamma(a + 1e-5) - special.lgamma(a - 1e-5)) / 2e-5;
      let s = 0;
      for (const [node, w] of gl) {
        const v = 0.5 * (node + 1); // u = v⁶ tames the ln u endpoint singularity
        const u = Math.pow(v, 6);
        const t = x * Math.pow(u, 1 / a);
        // dt = x/a u^(1/a − 1) du; t^(a−1) dt = x^a/a du; du = 6 v⁵ dv
        s += 0.5 * w * (Math.log(t) - psi) * Math.exp(-t) * (Math.pow(x, a) / a) * 6 * Math.pow(v, 5);
      }
      const want = s / Math.exp(special.lgamma(a));
      assert.ok(Math.abs(gammaPDerivA(a, x) - want) < 1e-6, `a=${a} x=${x}: ${gammaPDerivA(a, x)} vs ${want}`);
    }
  });

  it('autodiff gradients in a and x agree with finite differences (property)', () => {
    fc.assert(
      fc.property(arbFloat32(1.2, 12), arbFloat32(0.2, 20), (a, x) => {
        assertGradClose((p) => { const q = p as Record<string, Tensor>; return tf.sum(regularizedGammaP(q.a, q.x)); }, { a, x }, { rtol: 1e-2, atol: 1e-5 });
      }),
      propertyParams(20, 41),
    );
  });

  it('gradient broadcast: a of shape [B,1] against x of shape [B,K]', () => {
    assertGradClose((p) => tf.sum(tf.mul(regularizedGammaP((p as Record<string, Tensor>).a, (p as Record<string, Tensor>).x), tf.tensor2d([[1, 2, 3], [4, 5, 6]]))), { a: tf.tensor2d([[2.5], [4]]), x: tf.tensor2d([[0.5, 2, 4], [1, 3, 9]]) }, { rtol: 1e-2, atol: 1e-5 });
  });

  it('rejects a ≤ 0 with a named error', () => {
    assert.throws(() => tf.tidy(() => regularizedGammaP(tf.scalar(-1), tf.scalar(1))), /gamma shape a\[0\]/);
  });

  it('gamma quantile inverts P and its implicit gradient matches finite differences', () => {
    for (const [k, u] of [[0.3, 0.4], [2.5, 0.9], [40, 0.2], [3000, 0.6]]) {
      const x = gammaQuantile(k, u);
      assert.ok(Math.abs(special.gammaP(k, x) - u) < 1e-10, `P(k, Q(k,u)) for k=${k}`);
    }
    const u = Float64Array.from([0.3, 0.7, 0.95]);
    assertGradClose((p) => tf.sum(gammaByInversion((p as Record<string, Tensor>).k, u)), { k: tf.tensor1d([0.7, 5, 60]) }, { rtol: 1e-2, atol: 1e-4 });
  });
});

