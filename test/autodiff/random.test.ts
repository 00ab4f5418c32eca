/**
 * Random keys and samplers: reproducibility, independence of split and folded
 * streams, sampler moments, and the stated gradient estimators (implicit
 * reparameterization of Gamma, score function, Gaussian approximation).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  tf, PRNGKey, prngKey, normal, uniform, exponential, gamma, poisson, binomial, standardNormal, scoreFunctionSurrogate, special,
  DomainError, DiffhepError, type Tensor,
} from '../../src/autodiff/index.js';
import { checkGrad, propertyParams, arbSeed } from '../../src/autodiff/testing/index.js';
import { assertClose, assertGradOk, values } from './helpers.js';

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

function moments(x: ArrayLike<number>): { mean: number; variance: number } {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i];
  m /= x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i] - m) ** 2;
  return { mean: m, variance: v / (x.length - 1) };
}

/** Asserts sample mean and variance within 5 standard errors of the exact ones (μ4: fourth central moment). */
function assertMoments(x: ArrayLike<number>, mean: number, variance: number, mu4: number, what: string): void {
  const n = x.length;
  const m = moments(x);
  assertClose(m.mean, mean, 0, 5 * Math.sqrt(variance / n), `${what} mean`);
  assertClose(m.variance, variance, 0, 5 * Math.sqrt((mu4 - variance ** 2) / n), `${what} variance`);
}

/** z with P(a, z) = p, by bisection in float64 (the inverse CDF of Gamma(a, 1)). */
function gammaQuantile(a: number, p: number): number {
  let lo = 0;
  let hi = Math.max(1, a) * 50;
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (special.gammaP(a, mid) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

const N = 20_000;

describe('random keys', () => {
  it('the same seed gives the same numbers; different seeds and data give different ones (property)', () => {
    fc.assert(
      fc.property(arbSeed(), (seed) => {
        const a = PRNGKey.fromSeed(seed);
        assert.deepEqual(a.uniforms(50), PRNGKey.fromSeed(seed).uniforms(50));
        assert.deepEqual(a.normals(51), prngKey(seed).normals(51));
        assert.notDeepEqual(a.uniforms(8), PRNGKey.fromSeed(seed + 1).uniforms(8));
        assert.deepEqual(a.fold('drift').uniforms(8), a.fold('drift').uniforms(8));
        assert.notDeepEqual(a.fold(1).uniforms(8), a.fold(2).uniforms(8));
        assert.notDeepEqual(a.fold('a').uniforms(8), a.fold('b').uniforms(8));
        const [s1, s2] = a.split(2);
        assert.notDeepEqual(s1.uniforms(8), s2.uniforms(8));
        assert.notDeepEqual(s1.uniforms(8), a.uniforms(8));
        assert.deepEqual(PRNGKey.fromJSON(JSON.parse(JSON.stringify(a))).uniforms(8), a.uniforms(8));
      }),
      propertyParams(30, 801),
    );
    assert.deepEqual(PRNGKey.fromSeed('run-7').uniforms(4), PRNGKey.fromSeed('run-7').uniforms(4));
  });

  it('split and folded streams are uncorrelated (|ρ| < 0.02 over 1e5 draws)', () => {
    const key = PRNGKey.fromSeed(2026);
    const [a, b, c] = key.split(3);
    const pairs: [string, PRNGKey, PRNGKey][] = [
      ['split 1/2', a, b],
      ['split 2/3', b, c],
      ['parent/child', key, a],
      ['fold 0/1', key.fold(0), key.fold(1)],
      ['fold event 7/8 of a stage', a.fold('sim').fold(7), a.fold('sim').fold(8)],
    ];
    for (const [name, k1, k2] of pairs) {
      const rho = correlation(k1.normals(100_000), k2.normals(100_000));
      assert.ok(Math.abs(rho) < 0.02, `${name}: correlation ${rho}`);
    }
    // lagged self-correlation of one stream
    const u = a.uniforms(100_001);
    assert.ok(Math.abs(correlation(u.subarray(0, 100_000), u.subarray(1))) < 0.02, 'lag-1 correlation');
  });

  it('rejects bad seeds, split counts and serialized keys', () => {
    assert.throws(() => PRNGKey.fromSeed(NaN), (e: unknown) => e instanceof DiffhepError && e.field === 'seed');
    assert.throws(() => PRNGKey.fromSeed(1).split(0), (e: unknown) => e instanceof DiffhepError && e.field === 'n');
    assert.throws(() => PRNGKey.fromJSON([1, -2]), (e: unknown) => e instanceof DiffhepError && e.field === 'key');
    assert.throws(() => PRNGKey.fromSeed(1).fold(NaN), (e: unknown) => e instanceof DiffhepError && e.field === 'data');
    // non-integer fold data does not collide with its integer part
    assert.notDeepEqual(PRNGKey.fromSeed(1).fold(1.5).uniforms(4), PRNGKey.fromSeed(1).fold(1).uniforms(4));
  });
});

describe('samplers', () => {
  const key = PRNGKey.fromSeed('samplers');

  it('the same key gives the same draws for every sampler', () => {
    tf.tidy(() => {
      const draws = (k: PRNGKey) => [
        values(normal(k, [5], 1, 2)),
        values(uniform(k, [5])),
        values(exponential(k, [5], 3)),
        values(gamma(k, [5], 0.7)),
        values(poisson(k, tf.tensor1d([2, 30, 0.1, 5, 100])).sample),
        values(binomial(k, 12, tf.tensor1d([0.1, 0.5, 0.9, 0.3, 0.7])).sample),
      ];
      assert.deepEqual(draws(key.fold(1)), draws(key.fold(1)));
      assert.notDeepEqual(draws(key.fold(1)), draws(key.fold(2)));
    });
  });

  it('moments of normal, uniform, exponential, gamma, poisson and binomial draws', () => {
    tf.tidy(() => {
      const k = key.split(9);
      assertMoments(values(normal(k[0], [N], 2, 3)), 2, 9, 3 * 81, 'normal(2, 3)');
      assertMoments(values(standardNormal(k[1], [N])), 0, 1, 3, 'standard normal');
      assertMoments(values(uniform(k[2], [N], -1, 3)), 1, 16 / 12, 256 / 80, 'uniform(-1, 3)');
      assertMoments(values(exponential(k[3], [N], 2)), 0.5, 0.25, 9 / 16, 'exponential(2)');
      for (const [i, a, r] of [
        [4, 2.5, 2],
        [5, 0.4, 1],
      ] as const) {
        assertMoments(values(gamma(k[i], [N], a, r)), a / r, a / r ** 2, (3 * a * a + 6 * a) / r ** 4, `gamma(${a}, ${r})`);
      }
      for (const [i, lam] of [
        [6, 3],
        [7, 50],
      ] as const) {
        const s = poisson(k[i], tf.fill([N], lam), 'none').sample;
        const xs = values(s);
        assert.ok(xs.every((v) => Number.isInteger(v) && v >= 0), 'poisson draws are non-negative integers');
        assertMoments(xs, lam, lam, lam * (1 + 3 * lam), `poisson(${lam})`);
      }
      const [n, p] = [20, 0.3];
      const xs = values(binomial(k[8], n, tf.fill([N], p), 'none').sample);
      assert.ok(xs.every((v) => Number.isInteger(v) && v >= 0 && v <= n), 'binomial draws in [0, n]');
      const q = n * p * (1 - p);
      assertMoments(xs, n * p, q, q * (1 + 3 * (n - 2) * p * (1 - p)), 'binomial(20, 0.3)');
    });
  });

  it('pathwise gradients of normal, uniform and exponential draws match finite differences with the same key (property)', () => {
    fc.assert(
      fc.property(arbSeed(), (seed) => {
        const k = PRNGKey.fromSeed(seed);
        const w = tf.tensor1d([1, -0.5, 2, 0.3]);
        const f = (t: Record<string, Tensor>) =>
          tf.add(tf.add(tf.sum(tf.mul(tf.square(normal(k, [4], t.mu, t.sigma)), w)), tf.sum(tf.mul(uniform(k.fold(1), [4], t.lo, t.hi), w))), tf.sum(tf.mul(exponential(k.fold(2), [4], t.rate), w)));
        assertGradOk(checkGrad((t) => f(t as Record<string, Tensor>), { mu: 0.3, sigma: 1.2, lo: -1, hi: 2, rate: 1.5 }), 'pathwise');
        w.dispose();
      }),
      propertyParams(6, 802),
    );
  });

  it('gamma: the implicit-reparameterization derivative of each draw equals finite differences of the inverse CDF at the same uniform', () => {
    for (const a of [0.5, 1.7, 9]) {
      const alpha = tf.fill([20], a);
      const k = key.fold(`gamma-${a}`);
      const [z, dz] = tf.tidy(() => {
        const zz = values(gamma(k, [20], alpha));
        return [zz, values(tf.grad((al: Tensor) => tf.sum(gamma(k, [20], al)))(alpha))];
      });
      const h = 1e-4 * a;
      z.forEach((zi, i) => {
        const u = special.gammaP(a, zi); // the common random number: the draw's CDF value
        const fd = (gammaQuantile(a + h, u) - gammaQuantile(a - h, u)) / (2 * h);
        assertClose(dz[i], fd, 2e-3, 1e-4, `dz/dα of draw ${i} (α = ${a}, z = ${zi})`);
      });
      alpha.dispose();
    }
  });

  it('gamma: gradient of E[z²] in shape and rate agrees with the exact one, d/dα α(α+1)/r² = (2α+1)/r²', () => {
    const [a, r] = [2.2, 1.5];
    // per-draw derivatives (shape and rate broadcast to one value per draw), then mean ± 5 standard errors
    const [ga, gr] = tf.tidy(() => tf.grads((al: Tensor, rt: Tensor) => tf.sum(tf.square(gamma(key.fold('gamma-moment'), [N], al, rt))))([tf.fill([N], a), tf.fill([N], r)]).map(values));
    const ma = moments(ga);
    const mr = moments(gr);
    assertClose(ma.mean, (2 * a + 1) / r ** 2, 0, 5 * Math.sqrt(ma.variance / N), 'dE[z²]/dα');
    assertClose(mr.mean, (-2 * a * (a + 1)) / r ** 3, 0, 5 * Math.sqrt(mr.variance / N), 'dE[z²]/drate');
  });

  it('score-function surrogate: value equals f, gradient unbiased (mean over 200 keys vs exact)', () => {
    const lam = 4;
    const perKey: number[] = [];
    const perKeyBaseline: number[] = [];
    for (let i = 0; i < 200; i++) {
      const k = key.fold('score').fold(i);
      const [g, gb, valueOk] = tf.tidy(() => {
        let ok = true;
        const grad = (baseline: number) =>
          values(
            tf.grad((l: Tensor) => {
              const d = poisson(k, tf.mul(l, tf.ones([100])));
              const f = tf.square(d.sample);
              const s = scoreFunctionSurrogate(f, d.logProb!, baseline);
              ok &&= values(s).every((v, j) => v === values(f)[j]);
              return tf.mean(s);
            })(tf.scalar(lam)),
          )[0];
        return [grad(0), grad(lam + lam * lam), ok];
      });
      assert.ok(valueOk, 'surrogate value equals f');
      perKey.push(g);
      perKeyBaseline.push(gb);
    }
    const m = moments(perKey);
    const mb = moments(perKeyBaseline);
    const exact = 1 + 2 * lam; // d/dλ (λ + λ²)
    assertClose(m.mean, exact, 0, 5 * Math.sqrt(m.variance / perKey.length), 'score gradient');
    assertClose(mb.mean, exact, 0, 5 * Math.sqrt(mb.variance / perKey.length), 'score gradient with baseline');
    assert.ok(mb.variance < m.variance, `the baseline reduces the variance (${mb.variance} vs ${m.variance})`);
    // binomial: f = k, d/dp E[k] = n
    const gs = moments(tf.tidy(() => values(tf.grad((p: Tensor) => {
      const d = binomial(key.fold('score-binomial'), 10, p);
      return tf.sum(scoreFunctionSurrogate(d.sample, d.logProb!));
    })(tf.fill([N], 0.3)))));
    assertClose(gs.mean, 10, 0, 5 * Math.sqrt(gs.variance / N), 'binomial score gradient');
  });

  it("'gaussian' estimators of poisson and binomial: pathwise gradients match finite differences with the same key, unbiased for the mean", () => {
    fc.assert(
      fc.property(arbSeed(), (seed) => {
        const k = PRNGKey.fromSeed(seed);
        const w = tf.tensor1d([1, 2, -1]);
        assertGradOk(checkGrad((t) => tf.sum(tf.mul(tf.square(poisson(k, (t as { rate: Tensor }).rate, 'gaussian').sample), w)), { rate: tf.tensor1d([20, 35, 50]) }), 'poisson gaussian');
        assertGradOk(checkGrad((t) => tf.sum(tf.mul(binomial(k, 40, (t as { p: Tensor }).p, 'gaussian').sample, w)), { p: tf.tensor1d([0.2, 0.5, 0.7]) }, { scale: 0.1 }), 'binomial gaussian');
        w.dispose();
      }),
      propertyParams(6, 803),
    );
    const [gp, gb] = tf.tidy(() => [
      values(tf.grad((l: Tensor) => tf.mean(poisson(key.fold('gp'), tf.mul(l, tf.ones([N])), 'gaussian').sample))(tf.scalar(30)))[0],
      values(tf.grad((p: Tensor) => tf.mean(binomial(key.fold('gb'), 40, tf.mul(p, tf.ones([N])), 'gaussian').sample))(tf.scalar(0.4)))[0],
    ]);
    assertClose(gp, 1, 0, 5 / Math.sqrt(4 * 30 * N), 'dE/dλ');
    assertClose(gb, 40, 0, (5 * 40 * Math.abs(1 - 2 * 0.4)) / (2 * Math.sqrt(40 * 0.4 * 0.6 * N)), 'dE/dp');
  });

  it('rejects invalid parameters naming the element', () => {
    tf.tidy(() => {
      assert.throws(() => poisson(key, tf.tensor1d([1, -2])), (e: unknown) => e instanceof DomainError && e.field === 'rate[1]');
      assert.throws(() => poisson(key, tf.tensor1d([NaN])), (e: unknown) => e instanceof DomainError && e.field === 'rate[0]');
      assert.throws(() => binomial(key, 5, tf.tensor1d([0.5, 1.5])), (e: unknown) => e instanceof DomainError && e.field === 'p[1]');
      assert.throws(() => binomial(key, 2.5, 0.5), (e: unknown) => e instanceof DomainError && e.field === 'n[0]');
      assert.throws(() => gamma(key, [2], tf.tensor1d([1, 0])), (e: unknown) => e instanceof DomainError && e.field === 'alpha[1]');
      assert.throws(() => exponential(key, [2], -1), (e: unknown) => e instanceof DomainError && e.field === 'rate');
    });
  });
});
