/**
 * Diphoton events: a resonance (mass M, width Γ, signal strength μ) decaying
 * to two photons on a falling continuum, differentiable in every theory
 * parameter.
 *
 * - Signal masses: a Breit–Wigner (Cauchy) truncated to the window, drawn by
 *   inverse CDF at fixed uniforms: m = M + (Γ/2) tan(π(F_lo + u (F_hi − F_lo)) − π/2),
 *   pathwise in M and Γ. Weights μ·N_sig,ref/n (expected yield per event).
 * - Continuum: density ∝ exp(−ξ₁ t − ξ₂ t²), t = (m − lo)/(hi − lo) ∈ [0, 1].
 *   Drawn from the truncated exponential exp(−ξ₁ t) by inverse CDF (pathwise
 *   in ξ₁) and weighted by exp(−ξ₂ t²)·Z₁(ξ₁)/Z(ξ₁, ξ₂), with the
 *   normalizations by 48-point Gauss–Legendre in tensors. For every value of
 *   the parameters E_u[w(t(u))·h(t(u))] = N_bkg ∫ f h, so the gradient of the
 *   weighted estimate is the exact gradient of that identity.
 * - Kinematics: the resonance at rest in the transverse plane with rapidity
 *   uniform in ±y_max, isotropic decay; photon energies and polar angles
 *   follow (pathwise in the mass).
 */
import { tf, type Tensor, PRNGKey, DomainError, NonFiniteError, gaussLegendre } from '../../autodiff/index.js';

/** Theory parameters (scalar tensors) of the diphoton model. */
export interface DiphotonTheory {
  /** Resonance mass [GeV]. */
  mass: Tensor;
  /** Resonance width [GeV]. */
  width: Tensor;
  /** Signal strength μ (multiplies the reference signal yield). */
  mu: Tensor;
  /** Continuum shape: slope ξ₁ and curvature ξ₂ in t = (m − lo)/(hi − lo). */
  slope: Tensor;
  curvature: Tensor;
}

/** Options of `diphotonEvents`. */
export interface DiphotonOptions {
  /** Mass window [GeV]. */
  windowGeV: [number, number];
  nSignal: number;
  nBackground: number;
  /** Expected signal events at μ = 1 and expected continuum events in the window. */
  signalYield: number;
  backgroundYield: number;
  /** Rapidity range of the resonance, ±yMax. Default 1. */
  yMax?: number;
}

/** Generated events (tensors owned by the caller's tidy). */
export interface DiphotonEvents {
  /** [n] diphoton mass [GeV], signal first. */
  mass: Tensor;
  /** [n] expected-yield weight per event. */
  weight: Tensor;
  /** [n] 1 for signal, 0 for continuum. */
  isSignal: Float32Array;
  /** [n] photon energies [GeV] and polar-angle cosines in the lab. */
  e1: Tensor;
  e2: Tensor;
  cos1: Tensor;
  cos2: Tensor;
}

const GL48 = gaussLegendre(48);

function check(theory: DiphotonTheory, o: DiphotonOptions): void {
  const [lo, hi] = o.windowGeV;
  if (!(lo > 0 && hi > lo && Number.isFinite(hi))) throw new DomainError('windowGeV', o.windowGeV, 'need 0 < lo < hi');
  for (const f of ['nSignal', 'nBackground'] as const) {
    if (!(Number.isInteger(o[f]) && o[f] >= 0)) throw new DomainError(f, o[f], 'must be a non-negative integer');
  }
  if (o.nSignal + o.nBackground === 0) throw new DomainError('nSignal + nBackground', 0, 'need at least one event');
  for (const f of ['signalYield', 'backgroundYield'] as const) {
    if (!(o[f] >= 0) || !Number.isFinite(o[f])) throw new DomainError(f, o[f], 'must be finite and ≥ 0');
  }
  const v = (t: Tensor) => t.dataSync()[0];
  const m = v(theory.mass);
  const w = v(theory.width);
  const mu = v(theory.mu);
  for (const [f, x] of [['mass', m], ['width', w], ['mu', mu], ['slope', v(theory.slope)], ['curvature', v(theory.curvature)]] as const) {
    if (!Number.isFinite(x)) throw new NonFiniteError(f, x);
  }
  if (!(m > 0)) throw new DomainError('mass', m, 'resonance mass must be > 0 GeV');
  if (!(w > 0)) throw new DomainError('width', w, 'resonance width must be > 0 GeV');
  if (!(v(theory.slope) > 0)) throw new DomainError('slope', v(theory.slope), 'the continuum must fall: slope > 0');
  if (!(mu >= 0)) throw new DomainError('mu', mu, 'signal strength must be ≥ 0');
  if (!(m > lo && m < hi)) throw new DomainError('mass', m, `must lie inside the window [${lo}, ${hi}] GeV`);
}

/**
 * Generates weighted diphoton events for `theory` with the random numbers of
 * `key` (tensor level; differentiable in every field of `theory`).
 *
 * @example
 * ```ts
 * const ev = tf.tidy(() => diphotonEvents(theory, prngKey(1), { windowGeV: [100, 160], nSignal: 1000, nBackground: 5000, signalYield: 300, backgroundYield: 20000 }));
 * ```
 */
export function diphotonEvents(theory: DiphotonTheory, key: PRNGKey, o: DiphotonOptions): DiphotonEvents {
  check(theory, o);
  const [lo, hi] = o.windowGeV;
  const ns = o.nSignal;
  const nb = o.nBackground;
  const [kS, kB, kY, kC] = key.fold('diphoton').split(4);
  const parts: { m: Tensor; w: Tensor }[] = [];
  if (ns > 0) {
    // Truncated Cauchy by inverse CDF: F(m) = 1/2 + atan(2(m − M)/Γ)/π.
    const u = tf.tensor1d(Float32Array.from(kS.uniforms(ns)));
    const half = tf.div(theory.width, 2);
    const fLo = tf.atan(tf.div(tf.sub(lo, theory.mass), half));
    const fHi = tf.atan(tf.div(tf.sub(hi, theory.mass), half));
    const ang = tf.add(fLo, tf.mul(u, tf.sub(fHi, fLo)));
    const m = tf.add(theory.mass, tf.mul(half, tf.tan(ang)));
    const w = tf.mul(tf.ones([ns]), tf.div(tf.mul(theory.mu, o.signalYield), ns));
    parts.push({ m: tf.clipByValue(m, lo, hi), w });
  }
  if (nb > 0) {
    const span = hi - lo;
    const u = tf.tensor1d(Float32Array.from(kB.uniforms(nb)));
    const xi1 = theory.slope;
    // Truncated exponential on [0, 1]: t = −ln(1 − u (1 − e^−ξ₁))/ξ₁ (ξ₁ → 0 handled by a series-safe form).
    const oneMinus = tf.neg(tf.expm1(tf.neg(xi1))); // 1 − e^−ξ₁
    const t = tf.clipByValue(tf.div(tf.neg(tf.log1p(tf.neg(tf.mul(u, oneMinus)))), xi1), 0, 1);
    const z1 = tf.div(oneMinus, xi1); // ∫₀¹ e^−ξ₁t dt
    const nodes = tf.tensor1d(GL48.x.map((x) => 0.5 * (x + 1)));
    const wts = tf.tensor1d(GL48.w.map((w) => 0.5 * w));
    const z = tf.sum(tf.mul(wts, tf.exp(tf.neg(tf.add(tf.mul(xi1, nodes), tf.mul(theory.curvature, tf.square(nodes)))))));
    const w = tf.mul(tf.exp(tf.neg(tf.mul(theory.curvature, tf.square(t)))), tf.div(tf.mul(z1, o.backgroundYield / nb), z));
    parts.push({ m: tf.add(lo, tf.mul(t, span)), w });
  }
  const mass = parts.length === 1 ? parts[0].m : tf.concat(parts.map((p) => p.m));
  const weight = parts.length === 1 ? parts[0].w : tf.concat(parts.map((p) => p.w));
  const n = ns + nb;
  const isSignal = Float32Array.from({ length: n }, (_, i) => (i < ns ? 1 : 0));
  // Kinematics: rapidity y, decay angle cos θ* (isotropic): E₁,₂ = (m/2) (cosh y ± sinh y cos θ*) for a resonance with no pT.
  const yMax = o.yMax ?? 1;
  const y = Float32Array.from(kY.uniforms(n), (v) => (2 * v - 1) * yMax);
  const cStar = Float32Array.from(kC.uniforms(n), (v) => 2 * v - 1);
  const ch = tf.tensor1d(y.map((v) => Math.cosh(v)));
  const sh = tf.tensor1d(y.map((v) => Math.sinh(v)));
  const cs = tf.tensor1d(cStar);
  const halfM = tf.div(mass, 2);
  const e1 = tf.mul(halfM, tf.add(ch, tf.mul(sh, cs)));
  const e2 = tf.mul(halfM, tf.sub(ch, tf.mul(sh, cs)));
  // Photon longitudinal momenta p_z = (m/2)(sinh y + cosh y cos θ*), so cos θ_lab = p_z/E (mass-independent).
  const cos1 = tf.div(tf.add(sh, tf.mul(ch, cs)), tf.add(ch, tf.mul(sh, cs)));
  const cos2 = tf.div(tf.sub(sh, tf.mul(ch, cs)), tf.sub(ch, tf.mul(sh, cs)));
  return { mass, weight, isSignal, e1, e2, cos1, cos2 };
}

/** Theory parameters as scalar tensors from numbers. */
export function diphotonTheory(p: { mass: number; width: number; mu: number; slope: number; curvature: number }): DiphotonTheory {
  return { mass: tf.scalar(p.mass), width: tf.scalar(p.width), mu: tf.scalar(p.mu), slope: tf.scalar(p.slope), curvature: tf.scalar(p.curvature) };
}

