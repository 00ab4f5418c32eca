/**
 * A seeded generator of jet-like events with the 16 high-level features of
 * the hls4ml LHC jet dataset (Duarte et al., arXiv:1804.06913; Coleman et al.,
 * arXiv:1709.08705; OpenML "hls4ml_lhc_jets_hlf"), for the five classes gluon,
 * light quark, W, Z and top, at jet pT ≈ 1 TeV, anti-kT R = 0.8.
 *
 * It is not a shower simulation: each jet is drawn from a small latent model
 * per class, and the 16 observables are functions of the latents, so that
 * their correlations follow the definitions of the observables:
 *
 * - pT = 1000 GeV · exp(0.08 n), n ~ N(0, 1).
 * - Prong structure P: 1 for q/g; 2 for W/Z, except 12 % of jets whose second
 *   prong is groomed away (P = 1, QCD-like mass); 3 for top, except 20 % that
 *   lose the b (P = 2, W-like mass) and 10 % that keep one prong (P = 1).
 * - Groomed (mMDT) mass. Resonant jets: Gaussian peaks at the W, Z and top
 *   masses (PDG: 80.4, 91.2, 172.5 GeV) with 8 % resolution.
 *   QCD-like jets: ρ = m² / (pT R)² below ρ_max = 0.05 with the single-log
 *   mMDT Sudakov Σ(ρ) = (ρ/ρ_max)^b, b = 2 C_i α_s/π · ln(1/y_cut) with
 *   α_s = 0.1, y_cut = 0.1 (Dasgupta et al., arXiv:1307.0007): C_F = 4/3 for
 *   quarks and C_A = 3 for gluons, so gluon jets are heavier.
 * - Radiation activity r ~ N(μ, 1), μ = +1 for gluons (colour factor C_A),
 *   0 for quarks and colour-singlet W/Z, +0.5 for top (three coloured prongs).
 * - Multiplicity N ~ Poisson(λ), λ = λ_c · exp(0.22 r): λ_c = 28 (q), 44 (g),
 *   34 (W), 35 (Z), 52 (t), ratio g/q ≈ C_A/C_F at high pT damped by the
 *   hadronization constant (cf. Gallicchio & Schwartz, arXiv:1106.3076).
 * - Energy correlation functions (Larkoski, Salam, Thaler, arXiv:1305.0007;
 *   Larkoski, Moult, Neill, arXiv:1409.6298), on the groomed jet:
 *   e2^(2) ≈ ρ and e2^(1) ≈ 0.9 √ρ (angles ~ m/pT), each with 10–15 %
 *   log-normal scatter; c1_bβ = e2^(β); D2^(β) log-normal with a median of
 *   2.6 e^(0.12 r) (1 prong), 1.3 (2 prongs), 1.9 (3 prongs), its β = 1 and
 *   β = 2 forms correlated (ρ = 0.8, a common shape latent); C2^(β) = D2^(β) ·
 *   e2^(β) (by definition: C2 = e3/e2², D2 = e3/e2³); the α = 1 variant
 *   d2_a1_bβ = (D2^(β))^0.7 · (e2^(β))^-0.25 (it weights e3 less); N2 =
 *   0.13 √D2 (2-point over squared 1-point ratio, same prong ordering); M2
 *   log-normal with medians 0.08 (1 prong), 0.06 (2), 0.16 (3 prongs).
 * - zlogz = Σ z ln z of the constituents ≈ −ln N_eff, N_eff = 0.35 N
 *   e^(0.2 s) (a few hard constituents carry most of the pT); c1_b0 =
 *   e2^(0) = ½ (1 − Σ z²) ≈ ½ (1 − 1/N_eff).
 *
 * Features are standardized with the training sample's mean and standard
 * deviation (as hls4ml does with a StandardScaler). Overlap is realistic: q/g
 * differ only by the Sudakov exponent and multiplicity, W/Z by 11 GeV of mass
 * at 10 % resolution, and the groomed-away prongs put resonant jets among the
 * QCD ones; a float 16→64→32→32→5 MLP reaches about 75 %, as on the real data.
 *
 * Every draw comes from `PRNGKey`: event e of a sample uses `key.fold(e)`, so
 * a sample is reproducible from its key and independent of its size.
 *
 * @example
 * ```ts
 * const train = generateJets(prngKey(1).fold('train'), 10000);
 * const std = standardizer(train.x);
 * const xs = std.apply(train.x); // [10000][16], zero mean and unit variance per feature
 * ```
 */
import { DomainError, type PRNGKey } from '../../src/autodiff/index.js';

/** The 16 features, named as in the hls4ml LHC jet dataset (columns j_*). */
export const FEATURES = [
  'zlogz',
  'c1_b0_mmdt',
  'c1_b1_mmdt',
  'c1_b2_mmdt',
  'c2_b1_mmdt',
  'c2_b2_mmdt',
  'd2_b1_mmdt',
  'd2_b2_mmdt',
  'd2_a1_b1_mmdt',
  'd2_a1_b2_mmdt',
  'm2_b1_mmdt',
  'm2_b2_mmdt',
  'n2_b1_mmdt',
  'n2_b2_mmdt',
  'mass_mmdt',
  'multiplicity',
] as const;

/** The 5 classes, in the label order of the hls4ml dataset (j_g, j_q, j_w, j_z, j_t). */
export const CLASSES = ['g', 'q', 'w', 'z', 't'] as const;

/** Masses [GeV], PDG 2024: W 80.4, Z 91.2, top 172.5. */
const M_W_GEV = 80.4;
const M_Z_GEV = 91.2;
const M_TOP_GEV = 172.5;
/** Jet radius (anti-kT R = 0.8 in the hls4ml dataset) and mMDT parameters. */
const R_JET = 0.8;
const RHO_MAX = 0.05;
const ALPHA_S = 0.1;
const Y_CUT = 0.1;
const C_F = 4 / 3;
const C_A = 3;

/** Class-dependent parameters of the latent model. */
const CLASS_MODEL: Record<(typeof CLASSES)[number], { sudakovC: number; radiationMean: number; multiplicity: number }> = {
  g: { sudakovC: C_A, radiationMean: 1, multiplicity: 44 },
  q: { sudakovC: C_F, radiationMean: 0, multiplicity: 28 },
  w: { sudakovC: C_F, radiationMean: 0, multiplicity: 34 },
  z: { sudakovC: C_F, radiationMean: 0, multiplicity: 35 },
  t: { sudakovC: C_F, radiationMean: 0.5, multiplicity: 52 },
};

/** A sample: features [n][16] (physical units), labels 0..4, and the latent prong count per jet. */
export interface JetSample {
  x: number[][];
  y: number[];
  prongs: number[];
}

/** Poisson draw by inversion (λ < 200 here), from one uniform. */
function poisson(lambda: number, u: number): number {
  let k = 0;
  let p = Math.exp(-lambda);
  let cdf = p;
  while (u > cdf && k < 1000) {
    k++;
    p *= lambda / k;
    cdf += p;
  }
  return k;
}

/** One jet of class `c` from its key. */
function jet(key: PRNGKey, c: number): { x: number[]; prongs: number } {
  const u = key.uniforms(6);
  const z = key.fold('n').normals(14);
  const cls = CLASSES[c];
  const cm = CLASS_MODEL[cls];
  const pt = 1000 * Math.exp(0.08 * z[0]);
  // Prong structure and groomed mass.
  const qcdRho = () => {
    const b = ((2 * cm.sudakovC * ALPHA_S) / Math.PI) * Math.log(1 / Y_CUT);
    return RHO_MAX * Math.pow(u[1], 1 / b); // Σ(ρ) = (ρ/ρ_max)^b
  };
  let prongs: number;
  let mass: number;
  if (cls === 'g' || cls === 'q') {
    prongs = 1;
    mass = pt * R_JET * Math.sqrt(qcdRho());
  } else if (cls === 'w' || cls === 'z') {
    const m0 = cls === 'w' ? M_W_GEV : M_Z_GEV;
    if (u[0] < 0.12) {
      prongs = 1;
      mass = pt * R_JET * Math.sqrt(qcdRho());
    } else {
      prongs = 2;
      mass = m0 * (1 + 0.08 * z[1]);
    }
  } else if (u[0] < 0.1) {
    prongs = 1;
    mass = pt * R_JET * Math.sqrt(qcdRho());
  } else if (u[0] < 0.3) {
    prongs = 2;
    mass = M_W_GEV * (1 + 0.08 * z[1]);
  } else {
    prongs = 3;
    mass = M_TOP_GEV * (1 + 0.08 * z[1]);
  }
  mass = Math.max(mass, 1); // hadronization floor, ~1 GeV
  const rho = (mass / (pt * R_JET)) ** 2;
  // Radiation and multiplicity.
  const r = cm.radiationMean + z[2];
  const n = Math.max(2, poisson(cm.multiplicity * Math.exp(0.22 * r), u[2]));
  const nEff = Math.max(1.5, 0.35 * n * Math.exp(0.2 * z[3]));
  const zlogz = -Math.log(nEff) + 0.1 * z[4];
  const c1b0 = 0.5 * (1 - 1 / nEff);
  // Energy correlation functions: 2-point from the mass, 3-point ratios from the prong structure.
  const e2b2 = rho * Math.exp(0.1 * z[5]);
  const e2b1 = 0.9 * Math.sqrt(rho) * Math.exp(0.15 * z[6]);
  const d2Median = prongs === 1 ? 2.6 * Math.exp(0.12 * r) : prongs === 2 ? 1.3 : 1.9;
  const shape = z[7]; // common shape latent of the β = 1 and β = 2 forms
  const d2b1 = d2Median * Math.exp(0.35 * (0.8 * shape + 0.6 * z[8]));
  const d2b2 = d2Median * 1.1 * Math.exp(0.35 * (0.8 * shape + 0.6 * z[9]));
  const m2Median = prongs === 1 ? 0.08 : prongs === 2 ? 0.06 : 0.16;
  const m2b1 = m2Median * Math.exp(0.4 * (0.7 * z[10] + 0.3 * shape));
  const m2b2 = m2b1 * 0.8 * Math.exp(0.2 * z[11]);
  const n2b1 = 0.13 * Math.sqrt(d2b1) * Math.exp(0.1 * z[12]);
  const n2b2 = 0.13 * Math.sqrt(d2b2) * Math.exp(0.1 * z[13]);
  const x = [
    zlogz,
    c1b0,
    e2b1,
    e2b2,
    d2b1 * e2b1,
    d2b2 * e2b2,
    d2b1,
    d2b2,
    Math.pow(d2b1, 0.7) * Math.pow(e2b1, -0.25),
    Math.pow(d2b2, 0.7) * Math.pow(e2b2, -0.25),
    m2b1,
    m2b2,
    n2b1,
    n2b2,
    mass,
    n,
  ];
  return { x, prongs };
}

/**
 * `n` jets, classes balanced (event e has class e mod 5, then the sample is
 * in a key-determined order), features in physical units.
 */
export function generateJets(key: PRNGKey, n: number): JetSample {
  if (!Number.isInteger(n) || n < 1) throw new DomainError('n', n, 'a positive integer number of jets');
  const order = Array.from({ length: n }, (_, i) => i);
  const u = key.fold('order').uniforms(n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i] * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const x: number[][] = [];
  const y: number[] = [];
  const prongs: number[] = [];
  for (const e of order) {
    const c = e % CLASSES.length;
    const j = jet(key.fold(e), c);
    x.push(j.x);
    y.push(c);
    prongs.push(j.prongs);
  }
  return { x, y, prongs };
}

/** Per-feature standardization fitted on a sample. */
export interface Standardizer {
  mean: number[];
  std: number[];
  apply(x: number[][]): number[][];
}

/** Mean and standard deviation of each feature of `x` (a StandardScaler). */
export function standardizer(x: number[][]): Standardizer {
  const d = x[0].length;
  const mean = Array.from({ length: d }, (_, i) => x.reduce((s, r) => s + r[i], 0) / x.length);
  const std = Array.from({ length: d }, (_, i) => Math.sqrt(x.reduce((s, r) => s + (r[i] - mean[i]) ** 2, 0) / x.length) || 1);
  return { mean, std, apply: (rows) => rows.map((r) => r.map((v, i) => (v - mean[i]) / std[i])) };
}
