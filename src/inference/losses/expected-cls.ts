/**
 * Differentiable expected CLs and expected discovery significance of a
 * binned model built from tensors (e.g. soft histograms of a network's
 * output, as in neos, arXiv:2203.05570): signal s·μ plus background b with
 * one histosys nuisance α (code4p between bDown and bUp, constraint
 * N(0 | α, 1)). The profiled nuisance α̂̂ comes from a fit whose gradient is
 * the implicit-function-theorem one (`implicitArgmin`); the optimizer is not
 * unrolled. Median expected values on the background-only Asimov dataset
 * (n = b, aux 0, where the unconditional fit is exactly μ̂ = 0, α̂ = 0):
 * CLs_exp = Φ(−√q_A)/Φ(0), and for discovery Z_exp = √q0,A on the
 * signal-plus-background Asimov dataset. Equal to pyhf's median expected
 * CLs of the same model (tested).
 */
import { tf, type Tensor, implicitArgmin, DomainError } from '../../autodiff/index.js';
import { histosysDeltaCode4p } from '../histfactory/interpolation.js';

/** Nominal yields of the model, each a 1-D tensor over bins. */
export interface HistosysYields {
  signal: Tensor;
  background: Tensor;
  backgroundUp: Tensor;
  backgroundDown: Tensor;
}

/** Expected rates at (μ, α). */
export function histosysRates(mu: Tensor | number, alpha: Tensor, y: HistosysYields): Tensor {
  const up = tf.sub(y.backgroundUp, y.background);
  const dn = tf.sub(y.background, y.backgroundDown);
  return tf.add(tf.add(tf.mul(mu, y.signal), y.background), histosysDeltaCode4p(alpha, up, dn));
}

/** NLL(μ, α | n) = Σ λ − n ln λ + α²/2 (data-only constants dropped). */
function nll(mu: Tensor | number, alpha: Tensor, n: Tensor, y: HistosysYields): Tensor {
  const lam = histosysRates(mu, alpha, y);
  return tf.add(tf.sum(tf.sub(lam, tf.mul(n, tf.log(lam)))), tf.mul(0.5, tf.square(alpha)));
}

/** Host Newton solve of the profiled α at fixed μ (float64 on the host; values only). */
function profileAlpha(mu: number, y: Float32Array[], n: Float32Array): number {
  const [s, b, bu, bd] = y;
  const f = (a: number) => {
    let v = 0.5 * a * a;
    for (let i = 0; i < b.length; i++) {
      const up = bu[i] - b[i];
      const dn = b[i] - bd[i];
      let d: number;
      if (a > 1) d = a * up;
      else if (a < -1) d = a * dn;
      else {
        const S = 0.5 * (up + dn);
        const A = 0.0625 * (up - dn);
        d = a * (S + a * A * (15 + a * a * (3 * a * a - 10)));
      }
      const lam = mu * s[i] + b[i] + d;
      if (!(lam > 0)) return Infinity;
      v += lam - n[i] * Math.log(lam);
    }
    return v;
  };
  // Golden-section bracket then Newton by finite differences of f (1-D, smooth).
  let lo = -5;
  let hi = 5;
  const gr = (Math.sqrt(5) - 1) / 2;
  let c = hi - gr * (hi - lo);
  let d = lo + gr * (hi - lo);
  for (let it = 0; it < 80; it++) {
    if (f(c) < f(d)) hi = d;
    else lo = c;
    c = hi - gr * (hi - lo);
    d = lo + gr * (hi - lo);
  }
  let a = 0.5 * (lo + hi);
  for (let it = 0; it < 5; it++) {
    const h = 1e-5;
    const g = (f(a + h) - f(a - h)) / (2 * h);
    const H = (f(a + h) - 2 * f(a) + f(a - h)) / (h * h);
    if (!(H > 0)) break;
    a -= g / H;
  }
  return a;
}

function check(y: HistosysYields): void {
  const n = y.signal.shape[0];
  for (const [k, t] of Object.entries(y)) {
    if (t.rank !== 1 || t.shape[0] !== n) throw new DomainError(k, t.shape, `expected a 1-D tensor of ${n} bins like 'signal'`);
  }
}

/** q_A(μ_test) on the Asimov dataset of μ_asimov (tensor, differentiable in the yields). */
function asimovQ(y: HistosysYields, muTest: number, muAsimov: number): Tensor {
  check(y);
  const n = tf.add(tf.mul(muAsimov, y.signal), y.background);
  const argmin = implicitArgmin({
    loss: (x, s, b, bu, bd, nn) => nll(muTest, x.reshape([]), nn, { signal: s, background: b, backgroundUp: bu, backgroundDown: bd }),
    solve: ([s, b, bu, bd, nn]) => [profileAlpha(muTest, [s, b, bu, bd], nn)],
  });
  const alphaHat = argmin(y.signal, y.background, y.backgroundUp, y.backgroundDown, n).reshape([]);
  const cond = nll(muTest, alphaHat, n, y);
  const free = nll(muAsimov, tf.scalar(0), n, y);
  return tf.relu(tf.mul(2, tf.sub(cond, free)));
}

/** Φ(−x) as a tensor. */
function normalTail(x: Tensor): Tensor {
  return tf.mul(0.5, tf.sub(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/**
 * Median expected CLs at μ = `mu` (default 1) on the background-only Asimov
 * dataset; differentiable in all yields (minimize it to optimize an analysis).
 *
 * @example
 * ```ts
 * const cls = expectedCLs({ signal: s, background: b, backgroundUp: bu, backgroundDown: bd });
 * ```
 */
export function expectedCLs(y: HistosysYields, mu = 1): Tensor {
  const qA = asimovQ(y, mu, 0);
  return tf.mul(2, normalTail(tf.sqrt(tf.add(qA, 1e-12))));
}

/** Median expected discovery significance √q0 on the signal-plus-background Asimov dataset. */
export function expectedDiscoverySignificance(y: HistosysYields): Tensor {
  return tf.sqrt(tf.add(asimovQ(y, 0, 1), 1e-12));
}
