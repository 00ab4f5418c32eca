/**
 * The electron-like reconstructed-energy spectrum and its likelihood.
 *
 * Expected counts in bin b for an exposure of N unoscillated ν_μ CC events:
 *
 *   μ_b = N/n_e Σ_{i∈ν_e} P_app(E_i)·e_i·K_b(Ê_i) + N/n_μ Σ_{j∈ν_μ} (1 − P_app(E_j))·e_j·K_b(Ê_j),
 *
 * P_app = sin²2θ sin²(1.267 Δm² L/E) (two flavours, PDG), e the
 * electron-like score of the event, Ê its reconstructed energy and K_b the
 * soft-histogram kernel mass of bin b. The oscillation weights depend only
 * on the theory and the true energies, so the detector simulation and
 * reconstruction run once per detector point and the spectrum is reweighted
 * for any (sin²2θ, Δm²): exact, and what keeps the fits cheap.
 * Tensor level (caller's tidy) unless stated.
 */
import { tf, type Tensor, DomainError, softHistogram } from '../../src/autodiff/index.js';
import { inverseDiagonalElement } from '../../src/inference/losses/index.js';

/** The analysis settings. */
export interface SpectrumConfig {
  /** Bin edges of the reconstructed energy [GeV]. */
  edgesGeV: number[];
  /** Soft-histogram bandwidth [GeV]. */
  bandwidthGeV: number;
  /** Baseline [km]. */
  baselineKm: number;
  /** Unoscillated ν_μ CC events of the exposure. */
  exposure: number;
}

/** Per-event inputs of the spectrum: tensors from the chain, true energies and flavours on the host. */
export interface SpectrumEvents {
  /** [n] reconstructed energy [GeV] and electron-like score. */
  energyGeV: Tensor;
  score: Tensor;
  /** [n] true neutrino energy [GeV]. */
  trueGeV: Float32Array;
  /** [n] 1 for a ν_e CC (appearance) event, 0 for a ν_μ CC one. */
  isNue: Uint8Array;
}

/** Theory tensors (scalars). */
export interface Theory {
  sin22theta: Tensor;
  dm2eV2: Tensor;
}

function phase(t: Theory, trueGeV: Float32Array, L: number): Tensor {
  return tf.div(tf.mul(t.dm2eV2, 1.267 * L), tf.tensor1d(trueGeV));
}

/** Sizes of the whole MC samples (when `SpectrumEvents` holds only a batch of them). */
export interface SampleSizes {
  nNue: number;
  nNumu: number;
}

/** Per-event exposure weights of the two samples (N/n_e for ν_e, N/n_μ for ν_μ). */
function sampleWeights(ev: SpectrumEvents, exposure: number, sizes?: SampleSizes): { sign: Float32Array; base: Float32Array } {
  const ne = sizes?.nNue ?? ev.isNue.reduce((a, b) => a + b, 0);
  const nm = sizes?.nNumu ?? ev.isNue.length - ne;
  if (ne === 0 || nm === 0) throw new DomainError('events', { nue: ne, numu: nm }, 'need events of both flavours');
  const sign = Float32Array.from(ev.isNue, (f) => (f ? 1 : -1));
  const base = Float32Array.from(ev.isNue, (f) => (f ? 0 : exposure / nm));
  // ν_e: (N/n_e)·P; ν_μ: (N/n_μ)·(1 − P): weight = base + sign·(N/n)·P
  const scale = Float32Array.from(ev.isNue, (f) => (f ? exposure / ne : exposure / nm));
  for (let i = 0; i < sign.length; i++) sign[i] *= scale[i];
  return { sign, base };
}

/** Expected counts [bins] and their derivatives in sin²2θ and Δm² (analytic). */
export function expectedSpectrum(ev: SpectrumEvents, t: Theory, cfg: SpectrumConfig, sizes?: SampleSizes): { mu: Tensor; dMuDs: Tensor; dMuDdm2: Tensor } {
  const { sign, base } = sampleWeights(ev, cfg.exposure, sizes);
  const ph = phase(t, ev.trueGeV, cfg.baselineKm);
  const s2 = tf.square(tf.sin(ph));
  const p = tf.mul(t.sin22theta, s2);
  const sg = tf.tensor1d(sign);
  const w = tf.mul(tf.add(tf.tensor1d(base), tf.mul(sg, p)), ev.score);
  const dwds = tf.mul(tf.mul(sg, s2), ev.score);
  // d sin²φ/dΔm² = sin 2φ · φ/Δm²
  const dwdm = tf.mul(tf.mul(sg, tf.mul(t.sin22theta, tf.mul(tf.sin(tf.mul(ph, 2)), tf.div(ph, t.dm2eV2)))), ev.score);
  const h = (wt: Tensor) => softHistogram(ev.energyGeV, cfg.edgesGeV, cfg.bandwidthGeV, wt);
  return { mu: h(w), dMuDs: h(dwds), dMuDdm2: h(dwdm) };
}

/**
 * Expected uncertainty on sin²2θ with Δm² free (Cramér–Rao bound of the
 * Asimov spectrum): √((F⁻¹)_ss), F_ab = Σ_b ∂_aμ_b ∂_bμ_b / μ_b.
 */
export function sin22thetaSensitivity(ev: SpectrumEvents, t: Theory, cfg: SpectrumConfig): Tensor {
  const { mu, dMuDs, dMuDdm2 } = expectedSpectrum(ev, t, cfg);
  return sensitivityFromSpectra(mu, dMuDs, dMuDdm2);
}

/** √((F⁻¹)_ss) from the expected counts and their derivatives (tensors [bins]). */
export function sensitivityFromSpectra(mu: Tensor, dMuDs: Tensor, dMuDdm2: Tensor): Tensor {
  const m = tf.add(mu, 1e-9);
  const f = (a: Tensor, b: Tensor) => tf.sum(tf.div(tf.mul(a, b), m));
  const F = tf.stack([tf.stack([f(dMuDs, dMuDs), f(dMuDs, dMuDdm2)]), tf.stack([f(dMuDdm2, dMuDs), f(dMuDdm2, dMuDdm2)])]);
  return tf.sqrt(inverseDiagonalElement(F, 0));
}

/** −2 ln L of observed counts n under expectation μ (Poisson, saturated form; tensor). */
export function poissonDeviance(n: Tensor, mu: Tensor): Tensor {
  const m = tf.add(mu, 1e-9);
  return tf.mul(2, tf.sum(tf.add(tf.sub(m, n), tf.mul(n, tf.log(tf.div(tf.add(n, 1e-12), m))))));
}

/** Checks a spectrum configuration, naming the bad field. */
export function checkSpectrumConfig(c: SpectrumConfig): SpectrumConfig {
  if (!(c.edgesGeV.length >= 2) || c.edgesGeV.some((e, i) => i > 0 && !(e > c.edgesGeV[i - 1]))) throw new DomainError('edgesGeV', c.edgesGeV, 'need at least two increasing edges');
  if (!(c.bandwidthGeV > 0)) throw new DomainError('bandwidthGeV', c.bandwidthGeV, 'must be > 0');
  if (!(c.baselineKm > 0)) throw new DomainError('baselineKm', c.baselineKm, 'must be > 0 km');
  if (!(c.exposure > 0)) throw new DomainError('exposure', c.exposure, 'must be > 0 events');
  return c;
}
