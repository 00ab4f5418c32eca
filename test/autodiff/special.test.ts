/**
 * Special functions against reference values (computed with mpmath at 30
 * significant digits) and exact identities, including the far tails.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { special } from '../../src/autodiff/index.js';
import { propertyParams, arbFloat32 } from '../../src/autodiff/testing/index.js';
import { assertClose } from './helpers.js';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('special functions', () => {
  it('lgamma at reference points', () => {
    for (const [x, ref] of [
      [0.001, 6.907178885383853],
      [0.5, 0.5723649429247001],
      [1, 0],
      [2.5, 0.2846828704729192],
      [10, 12.801827480081469],
      [100, 359.1342053695754],
      [171.5, 709.1431630309282],
      [1e5, 1051287.7089736569],
    ]) {
      assertClose(special.lgamma(x), ref, 1e-13, 1e-14, `lgamma(${x})`);
    }
    // ln Γ(n) = ln (n−1)! exactly for integers
    let lf = 0;
    for (let n = 2; n < 60; n++) {
      lf += Math.log(n - 1);
      assertClose(special.lgamma(n), lf, 1e-13, 1e-13, `lgamma(${n})`);
    }
  });

  it('gammaP and gammaQ at reference points, complementary, and in the far upper tail', () => {
    for (const [a, x, p, q] of [
      [0.5, 0.1, 0.345279153981423, 0.654720846018577],
      [2.5, 1.0, 0.15085496391539036, 0.8491450360846097],
      [5, 3, 0.18473675547622792, 0.8152632445237721],
      [10, 15, 0.9301463393005902, 0.06985366069940976],
      [100, 90, 0.15822098918643016, 0.8417790108135699],
      [0.1, 5, 0.9998560610341533, 0.000143938965846734],
      [30, 60, 0.9999931237350312, 6.876264968732097e-6],
    ]) {
      assertClose(special.gammaP(a, x), p, 1e-11, 1e-15, `P(${a}, ${x})`);
      assertClose(special.gammaQ(a, x), q, 1e-10, 1e-16, `Q(${a}, ${x})`);
    }
    assert.equal(special.gammaP(2, 0), 0);
    assert.equal(special.gammaQ(2, 0), 1);
    assert.ok(Number.isNaN(special.gammaP(-1, 1)));
  });

  it('gammaP identities: P(1, x) = 1 − e⁻ˣ, Q(½, x) = erfc(√x), Poisson sums for integer a (property)', () => {
    fc.assert(
      fc.property(arbFloat32(0.01, 30), fc.integer({ min: 1, max: 12 }), (x, n) => {
        assertClose(special.gammaP(1, x), -Math.expm1(-x), 1e-12, 1e-15, `P(1, ${x})`);
        assertClose(special.gammaQ(0.5, x), special.erfc(Math.sqrt(x)), 1e-11, 1e-300, `Q(1/2, ${x})`);
        let term = Math.exp(-x);
        let sum = term;
        for (let k = 1; k < n; k++) {
          term *= x / k;
          sum += term;
        }
        assertClose(special.gammaQ(n, x), sum, 1e-10, 1e-300, `Q(${n}, ${x})`);
      }),
      propertyParams(60, 1001),
    );
  });

  it('erf and erfc at reference points, including erfc deep in the tail', () => {
    for (const [x, e, ec] of [
      [0.1, 0.1124629160182849, 0.887537083981715],
      [0.5, 0.5204998778130465, 0.4795001221869535],
      [1.5, 0.9661051464753108, 0.033894853524689274],
      [2.5, 0.999593047982555, 0.0004069520174449589],
      [4, 0.9999999845827421, 1.541725790028002e-8],
      [6, 1, 2.1519736712498913e-17],
      [10, 1, 2.088487583762545e-45],
      [26, 1, 5.663192408856143e-296],
    ]) {
      assertClose(special.erf(x), e, 1e-14, 1e-16, `erf(${x})`);
      assertClose(special.erf(-x), -e, 1e-14, 1e-16, `erf(-${x})`);
      assert.ok(rel(special.erfc(x), ec) < 1e-13, `erfc(${x}) = ${special.erfc(x)}, expected ${ec}`);
      assertClose(special.erfc(-x), 2 - ec, 1e-15, 0, `erfc(-${x})`);
    }
  });

  it('normal cdf, sf and quantile at reference points and far tails, quantile inverts cdf (property)', () => {
    for (const [x, cdf, sf] of [
      [-1.96, 0.024997895148220435, 0.9750021048517795],
      [0, 0.5, 0.5],
      [1, 0.8413447460685429, 0.15865525393145705],
      [5, 0.9999997133484281, 2.866515718791939e-7],
      [8, 0.9999999999999993, 6.220960574271784e-16],
      [20, 1, 2.7536241186062337e-89],
      [37, 1, 5.725571222524577e-300],
    ]) {
      assertClose(special.normalCdf(x), cdf, 1e-14, 0, `Φ(${x})`);
      assert.ok(rel(special.normalSf(x), sf) < 1e-12, `sf(${x}) = ${special.normalSf(x)}, expected ${sf}`);
      assert.ok(rel(special.normalCdf(-x), sf) < 1e-12, `Φ(-${x})`);
    }
    for (const [p, z] of [
      [1e-300, -37.0470962993612],
      [1e-100, -21.273453560965326],
      [1e-20, -9.262340089798407],
      [1e-10, -6.361340902404057],
      [0.001, -3.0902323061678136],
      [0.025, -1.9599639845400543],
      [0.3, -0.5244005127080408],
      [0.5, 0],
      [0.975, 1.9599639845400538],
      [1 - 1e-10, 6.361340889697422],
    ]) {
      assertClose(special.normalQuantile(p), z, 1e-12, 1e-14, `Φ⁻¹(${p})`);
    }
    assert.equal(special.normalQuantile(0), -Infinity);
    assert.equal(special.normalQuantile(1), Infinity);
    assert.ok(Number.isNaN(special.normalQuantile(1.5)));
    fc.assert(
      // above x ≈ 5 the float64 CDF itself runs out of digits (1 − Φ(8) ≈ 6e-16), so the round trip stops there
      fc.property(fc.double({ min: -30, max: 5, noNaN: true }), (x) => {
        assertClose(special.normalQuantile(special.normalCdf(x)), x, 1e-9, 1e-9, `Φ⁻¹(Φ(${x}))`);
      }),
      propertyParams(100, 1002),
    );
    assertClose(special.normalPdf(1), Math.exp(-0.5) / Math.sqrt(2 * Math.PI), 1e-15, 0, 'pdf');
  });
});
