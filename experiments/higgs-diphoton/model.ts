/**
 * The HistFactory model of the chain's templates (pyhf conventions): two
 * samples, signal (normfactor μ) and continuum (normfactor θ_b, free: the
 * continuum normalization is measured from the side bands), and three
 * histosys nuisances α_k shared by both samples (photon energy scale, mass
 * resolution, continuum shape; code4p interpolation, Gaussian constraints
 * N(a_k | α_k, 1)):
 *
 *   λ_i = μ (s_i + Σ_k Δs_ik(α_k)) + θ_b (b_i + Σ_k Δb_ik(α_k)).
 *
 * Expected discovery significance (Cowan et al., arXiv:1007.1727): on the
 * Asimov dataset n = s + b (μ = 1, θ_b = 1, α = 0, aux a = 0), where the
 * unconditional fit is the generating point, Z = √q0 with
 * q0 = 2 [NLL(μ = 0, θ̂̂_b, α̂̂) − NLL(1, 1, 0)]. The conditional fit is an
 * `implicitArgmin` (float64 Newton on the host; gradients by the implicit
 * function theorem), so Z is differentiable in every template bin.
 */
import { tf, type Tensor, implicitArgmin, linalg, DiffhepError } from '../../src/autodiff/index.js';
import { histosysDelta, histosysDeltaCode4p } from '../../src/inference/index.js';
import type { Templates } from './chain.js';

/** Flattened templates: [s, b, sUp_k, sDn_k..., bUp_k, bDn_k...]. */
function flat(t: Templates): Tensor[] {
  return [t.signal, t.background, ...t.signalUp, ...t.signalDown, ...t.backgroundUp, ...t.backgroundDown];
}

function unflat(ts: Tensor[], K: number): Templates {
  return { signal: ts[0], background: ts[1], signalUp: ts.slice(2, 2 + K), signalDown: ts.slice(2 + K, 2 + 2 * K), backgroundUp: ts.slice(2 + 2 * K, 2 + 3 * K), backgroundDown: ts.slice(2 + 3 * K, 2 + 4 * K) };
}

/** Expected rates λ (tensor) at μ, θ_b and α [K]. */
export function ratesTensor(t: Templates, mu: Tensor | number, thetaB: Tensor | number, alpha: Tensor): Tensor {
  let s: Tensor = t.signal;
  let b: Tensor = t.background;
  for (let k = 0; k < t.signalUp.length; k++) {
    const a = tf.slice(alpha, [k], [1]).reshape([]);
    s = tf.add(s, histosysDeltaCode4p(a, tf.sub(t.signalUp[k], t.signal), tf.sub(t.signal, t.signalDown[k])));
    b = tf.add(b, histosysDeltaCode4p(a, tf.sub(t.backgroundUp[k], t.background), tf.sub(t.background, t.backgroundDown[k])));
  }
  return tf.add(tf.mul(mu, s), tf.mul(thetaB, b));
}

/** NLL = Σ λ − n ln λ + Σ (α − a)²/2 (data constants dropped), tensor. */
function nllTensor(t: Templates, mu: Tensor | number, thetaB: Tensor | number, alpha: Tensor, n: Tensor): Tensor {
  const lam = ratesTensor(t, mu, thetaB, alpha);
  return tf.add(tf.sum(tf.sub(lam, tf.mul(n, tf.log(lam)))), tf.mul(0.5, tf.sum(tf.square(alpha))));
}

/** Plain templates (float64 arrays) for host fits. */
export interface PlainTemplates {
  signal: number[];
  background: number[];
  signalUp: number[][];
  signalDown: number[][];
  backgroundUp: number[][];
  backgroundDown: number[][];
}

/** Reads templates to the host. */
export function plainTemplates(t: Templates): PlainTemplates {
  const r = (x: Tensor) => Array.from(x.dataSync());
  return { signal: r(t.signal), background: r(t.background), signalUp: t.signalUp.map(r), signalDown: t.signalDown.map(r), backgroundUp: t.backgroundUp.map(r), backgroundDown: t.backgroundDown.map(r) };
}

/** Rates in float64 at μ, θ_b, α (with an optional signal template replacing t.signal, e.g. from a mass morph). */
export function ratesValue(t: PlainTemplates, mu: number, thetaB: number, alpha: number[], signal = t.signal): number[] {
  return t.background.map((b0, i) => {
    let s = signal[i];
    let b = b0;
    for (let k = 0; k < alpha.length; k++) {
      s += histosysDelta('code4p', alpha[k], t.signalUp[k][i] - t.signal[i], t.signal[i] - t.signalDown[k][i]);
      b += histosysDelta('code4p', alpha[k], t.backgroundUp[k][i] - b0, b0 - t.backgroundDown[k][i]);
    }
    return mu * s + thetaB * b;
  });
}

/** 2·NLL in float64 with the Poisson terms Σ λ − n ln λ + ln Γ(n+1)-free and constraints Σ (α − a)². Infinity where a rate is ≤ 0. */
export function twiceNllValue(rates: number[], n: ArrayLike<number>, alpha: number[], aux: ArrayLike<number>): number {
  let v = 0;
  for (let i = 0; i < rates.length; i++) {
    if (!(rates[i] > 0)) return Infinity;
    v += rates[i] - (n[i] > 0 ? n[i] * Math.log(rates[i]) : 0);
  }
  v *= 2;
  for (let k = 0; k < alpha.length; k++) v += (alpha[k] - aux[k]) ** 2;
  return v;
}

/**
 * Damped Newton minimization in float64 with central-difference derivatives
 * (for small, smooth host objectives). Returns the minimum.
 */
export function newtonMinimize(f: (x: number[]) => number, x0: number[], iterations = 40): number[] {
  let x = x0.slice();
  let fx = f(x);
  if (!Number.isFinite(fx)) throw new DiffhepError(`newtonMinimize: the objective is not finite at the start ${JSON.stringify(x0)}`, 'x0');
  const n = x.length;
  for (let it = 0; it < iterations; it++) {
    const h = 1e-4;
    const g: number[] = [];
    const H: number[][] = Array.from({ length: n }, () => new Array(n).fill(0));
    for (let i = 0; i < n; i++) {
      const xp = x.slice();
      const xm = x.slice();
      xp[i] += h;
      xm[i] -= h;
      const fp = f(xp);
      const fm = f(xm);
      g.push((fp - fm) / (2 * h));
      H[i][i] = (fp - 2 * fx + fm) / (h * h);
      for (let j = 0; j < i; j++) {
        const a = x.slice();
        const b = x.slice();
        const c = x.slice();
        const d = x.slice();
        a[i] += h; a[j] += h;
        b[i] += h; b[j] -= h;
        c[i] -= h; c[j] += h;
        d[i] -= h; d[j] -= h;
        H[i][j] = H[j][i] = (f(a) - f(b) - f(c) + f(d)) / (4 * h * h);
      }
    }
    let damping = 0;
    let improved = false;
    for (let tries = 0; tries < 30 && !improved; tries++) {
      const Hd = H.map((r, i) => r.map((v, j) => v + (i === j ? damping : 0)));
      let step: number[];
      try {
        step = linalg.solve(Hd, g);
      } catch {
        damping = damping === 0 ? 1e-3 : damping * 10;
        continue;
      }
      const xn = x.map((v, i) => v - step[i]);
      const fn = f(xn);
      if (Number.isFinite(fn) && fn <= fx) {
        improved = true;
        const done = fx - fn < 1e-10;
        x = xn;
        fx = fn;
        if (done) return x;
      } else damping = damping === 0 ? 1e-3 : damping * 10;
    }
    if (!improved) return x;
  }
  return x;
}

/** Profiled (θ_b, α) at fixed μ on data n, aux a (float64 host). */
export function profileNuisances(t: PlainTemplates, mu: number, n: ArrayLike<number>, aux: number[], start?: number[]): number[] {
  const K = t.signalUp.length;
  return newtonMinimize((x) => twiceNllValue(ratesValue(t, mu, x[0], x.slice(1)), n, x.slice(1), aux) / 2, start ?? [1, ...new Array(K).fill(0)]);
}

/**
 * Expected discovery significance Z = √q0 of the templates on their Asimov
 * dataset (tensor, differentiable in every bin of every template).
 *
 * @example
 * ```ts
 * const z = tf.tidy(() => expectedSignificance(templates(chainEvents(p, sample))).dataSync()[0]);
 * ```
 */
export function expectedSignificance(t: Templates): Tensor {
  const K = t.signalUp.length;
  const n = tf.add(t.signal, t.background);
  const argmin = implicitArgmin({
    loss: (x, ...ts) => {
      const tt = unflat(ts.slice(0, ts.length - 1), K);
      return nllTensor(tt, 0, tf.slice(x, [0], [1]).reshape([]), tf.slice(x, [1], [K]), ts[ts.length - 1]);
    },
    solve: (vals) => {
      const a = vals.map((v) => Array.from(v));
      const plain: PlainTemplates = { signal: a[0], background: a[1], signalUp: a.slice(2, 2 + K), signalDown: a.slice(2 + K, 2 + 2 * K), backgroundUp: a.slice(2 + 2 * K, 2 + 3 * K), backgroundDown: a.slice(2 + 3 * K, 2 + 4 * K) };
      return profileNuisances(plain, 0, a[a.length - 1], new Array(K).fill(0));
    },
  });
  const x = argmin(...flat(t), n);
  // q0/2 = Σ_i [λc_i − n_i − n_i ln(λc_i/n_i)] + Σ α̂²/2 with n = λ_free: written with d = λc − n and
  // log1p so no float32 cancellation of the two large NLLs (Σ n ln λ ~ 10⁵) enters Z.
  const alphaHat = tf.slice(x, [1], [K]);
  const d = tf.sub(ratesTensor(t, 0, tf.slice(x, [0], [1]).reshape([]), alphaHat), n);
  const half = tf.add(tf.sum(tf.sub(d, tf.mul(n, tf.log1p(tf.div(d, n))))), tf.mul(0.5, tf.sum(tf.square(alphaHat))));
  return tf.sqrt(tf.add(tf.relu(tf.mul(2, half)), 1e-12));
}

/** Z in float64 from plain templates (for checks and evaluations). */
export function expectedSignificanceValue(t: PlainTemplates): number {
  const K = t.signalUp.length;
  const n = t.signal.map((s, i) => s + t.background[i]);
  const x = profileNuisances(t, 0, n, new Array(K).fill(0));
  const q0 = twiceNllValue(ratesValue(t, 0, x[0], x.slice(1)), n, x.slice(1), new Array(K).fill(0)) - twiceNllValue(ratesValue(t, 1, 1, new Array(K).fill(0)), n, new Array(K).fill(0), new Array(K).fill(0));
  return Math.sqrt(Math.max(0, q0));
}
