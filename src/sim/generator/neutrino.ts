/**
 * Accelerator-neutrino events for the LArTPC: a beam energy spectrum,
 * two-flavour oscillations (sin²2θ, Δm²) and charged-current quasi-elastic
 * final states (lepton + proton) turned into energy-deposit `Segments`.
 *
 * - Energies: the event-rate spectrum flux × σ_CC with flux ∝ Gamma(k, θ) in
 *   E and σ_CC ∝ E (CCQE-dominated approximation), i.e. Gamma(k + 1, θ),
 *   drawn by inversion.
 * - Oscillation: a per-event weight, exact and differentiable in the theory
 *   parameters: P(ν_μ → ν_μ) = 1 − sin²2θ sin²(1.267 Δm²[eV²] L[km]/E[GeV])
 *   for 'numu-disappearance' (μ⁻ p final states), P(ν_μ → ν_e) = sin²2θ sin²(...)
 *   for 'nue-appearance' (e⁻ p). (Two-flavour vacuum formula, PDG Review
 *   "Neutrino masses, mixing and oscillations".) Kinematics do not depend on the theory
 *   parameters, so weights carry the whole dependence.
 * - CCQE kinematics on a nucleon at rest (binding neglected): Q² from a
 *   dipole form factor shape (M_A = 1.0 GeV) by inversion, then
 *   E_ℓ = E − Q²/2M, cos θ_ℓ from Q², the proton takes the rest.
 * - Segments: muons and protons are stepped in liquid argon with the Bethe
 *   formula (PDG Review, "Passage of particles through matter"; I = 188 eV, no density correction) until they stop or
 *   reach `maxTrackCm`; electrons deposit a GFlash mean longitudinal profile in
 *   LAr (X0 = 14 cm) as 1 cm segments along their direction.
 */
import { tf, type Tensor, PRNGKey, DomainError, NonFiniteError } from '../../autodiff/index.js';
import { allocSegments, type Segments } from '../lartpc/segments.js';
import { gammaQuantile } from '../calo/gamma-quantile.js';
import { longitudinalMoments } from '../calo/gflash.js';
import { MATERIALS } from '../calo/materials.js';
import { special } from '../../autodiff/index.js';

/** Masses [MeV] (PDG 2024). */
const M_MU_MEV = 105.6583755;
const M_E_MEV = 0.51099895;
const M_P_MEV = 938.27208816;
const M_N_MEV = 939.56542052;
/** Axial mass of the dipole form factor [GeV] (MiniBooNE/NOMAD range ~1.0–1.35; 1.0 here). */
const AXIAL_MASS_GEV = 1.0;
/** Liquid argon for Bethe: Z/A, mean excitation energy, density (PDG). */
const LAR_Z_OVER_A = 18 / 39.948;
const LAR_I_MEV = 188e-6;
const LAR_DENSITY = 1.396;
const BETHE_K = 0.307075; // MeV cm²/mol (PDG)

/** Oscillation parameters (scalar tensors). */
export interface OscillationTheory {
  sin22theta: Tensor;
  /** Δm² [eV²]. */
  dm2eV2: Tensor;
}

/** Options of `neutrinoEvents`. */
export interface NeutrinoOptions {
  nEvents: number;
  channel: 'numu-disappearance' | 'nue-appearance';
  /** Baseline [km]. Default 1300 (DUNE). */
  baselineKm?: number;
  /** Flux shape: Gamma(k, θ) in energy. Defaults k = 3, θ = 0.8 GeV (peak near 1.6 GeV, a wide-band beam). */
  fluxShape?: number;
  fluxScaleGeV?: number;
  /** Vertex box [cm] (x, y, z ranges); default a 60 cm cube centred on 0. */
  vertexBoxCm?: { x: [number, number]; y: [number, number]; z: [number, number] };
  /** Step for muons/protons [cm]; default 0.5. */
  stepCm?: number;
  /** Longest track followed [cm]; default 300. */
  maxTrackCm?: number;
}

/** Generated neutrino events. */
export interface NeutrinoEvents {
  /** Segments of all events (event_id = event index; traj_id 0 lepton, 1 proton). */
  segments: Segments;
  /** [n] neutrino energies [GeV]. */
  energyGeV: Float32Array;
  /** [n] oscillation weights (tensor, differentiable in the theory). */
  weight: Tensor;
  /** [n] lepton and proton kinetic energies [MeV]. */
  leptonKineticMeV: Float32Array;
  protonKineticMeV: Float32Array;
}

/** Oscillation probability per event (tensor level). */
export function oscillationWeight(theory: OscillationTheory, energyGeV: Tensor, baselineKm: number, channel: NeutrinoOptions['channel']): Tensor {
  const phase = tf.div(tf.mul(tf.mul(theory.dm2eV2, 1.267 * baselineKm), 1), energyGeV);
  const app = tf.mul(theory.sin22theta, tf.square(tf.sin(phase)));
  return channel === 'nue-appearance' ? app : tf.sub(1, app);
}

/** Bethe stopping power of a heavy charged particle in LAr [MeV/cm]. */
function betheDedx(massMeV: number, kineticMeV: number): number {
  const gamma = 1 + kineticMeV / massMeV;
  const beta2 = 1 - 1 / (gamma * gamma);
  const me = M_E_MEV;
  const bg2 = beta2 * gamma * gamma;
  const tmax = (2 * me * bg2) / (1 + (2 * gamma * me) / massMeV + (me / massMeV) ** 2);
  const arg = (2 * me * bg2 * tmax) / (LAR_I_MEV * LAR_I_MEV);
  const dedx = ((BETHE_K * LAR_Z_OVER_A) / beta2) * (0.5 * Math.log(arg) - beta2);
  return Math.max(dedx, 0.1) * LAR_DENSITY;
}

interface SegList {
  xs: number[];
  ys: number[];
  zs: number[];
  xe: number[];
  ye: number[];
  ze: number[];
  de: number[];
  dedx: number[];
  ev: number[];
  traj: number[];
  pdg: number[];
}

function push(s: SegList, a: number[], b: number[], de: number, dedx: number, ev: number, traj: number, pdg: number): void {
  s.xs.push(a[0]);
  s.ys.push(a[1]);
  s.zs.push(a[2]);
  s.xe.push(b[0]);
  s.ye.push(b[1]);
  s.ze.push(b[2]);
  s.de.push(de);
  s.dedx.push(dedx);
  s.ev.push(ev);
  s.traj.push(traj);
  s.pdg.push(pdg);
}

function stepTrack(s: SegList, start: number[], dir: number[], massMeV: number, kineticMeV: number, stepCm: number, maxCm: number, ev: number, traj: number, pdg: number): void {
  let t = kineticMeV;
  let pos = start.slice();
  let travelled = 0;
  while (t > 0.01 && travelled < maxCm) {
    const dedx = betheDedx(massMeV, t);
    let ds = Math.min(stepCm, maxCm - travelled);
    let de = dedx * ds;
    if (de >= t) {
      de = t;
      ds = t / dedx;
    }
    const end = [pos[0] + dir[0] * ds, pos[1] + dir[1] * ds, pos[2] + dir[2] * ds];
    push(s, pos, end, de, de / ds, ev, traj, pdg);
    pos = end;
    t -= de;
    travelled += ds;
  }
}

function electronShower(s: SegList, start: number[], dir: number[], energyMeV: number, ev: number): void {
  const lar = MATERIALS.LAr;
  const [lnT, lnA] = tf.tidy(() => {
    const m = longitudinalMoments(tf.tensor1d([energyMeV / 1000]), { zEff: tf.scalar(lar.z), criticalMeV: tf.scalar(lar.criticalMeV), samplingFrequency: tf.scalar(Infinity), eHat: 1, sampling: false });
    return [m.meanLnT.dataSync()[0], m.meanLnAlpha.dataSync()[0]];
  });
  const alpha = Math.max(Math.exp(lnA), 1.1);
  const beta = (alpha - 1) / Math.max(Math.exp(lnT), 1);
  const stepCm = 1;
  const nSteps = Math.ceil((10 * lar.x0Cm) / stepCm);
  let prev = 0;
  for (let i = 0; i < nSteps; i++) {
    const t = ((i + 1) * stepCm) / lar.x0Cm;
    const p = special.gammaP(alpha, beta * t);
    const de = energyMeV * (p - prev);
    prev = p;
    const a = [start[0] + dir[0] * i * stepCm, start[1] + dir[1] * i * stepCm, start[2] + dir[2] * i * stepCm];
    const b = [a[0] + dir[0] * stepCm, a[1] + dir[1] * stepCm, a[2] + dir[2] * stepCm];
    push(s, a, b, de, de / stepCm, ev, 0, 11);
  }
  // The tail beyond 10 X0 is deposited in the last step, so the shower keeps its energy.
  s.de[s.de.length - 1] += energyMeV * (1 - prev);
  s.dedx[s.dedx.length - 1] = s.de[s.de.length - 1] / stepCm;
}

/** Draws Q² [GeV²] ∝ 1/(1 + Q²/M_A²)⁴ on [0, Q²max] by inversion. */
function drawQ2(u: number, q2max: number): number {
  const ma2 = AXIAL_MASS_GEV * AXIAL_MASS_GEV;
  // ∫ (1 + x/ma2)^-4 dx = −ma2/3 (1 + x/ma2)^-3
  const g = (x: number) => 1 - Math.pow(1 + x / ma2, -3);
  const target = u * g(q2max);
  return ma2 * (Math.pow(1 - target, -1 / 3) - 1);
}

function unitFrom(cosT: number, phi: number, axis: number[]): number[] {
  // Rotate (sinθ cosφ, sinθ sinφ, cosθ) from +z onto `axis` (the beam direction).
  const sinT = Math.sqrt(Math.max(0, 1 - cosT * cosT));
  const local = [sinT * Math.cos(phi), sinT * Math.sin(phi), cosT];
  const [ax, ay, az] = axis;
  if (Math.abs(az - 1) < 1e-12) return local;
  // Orthonormal frame (e1, e2, axis).
  const e1n = Math.hypot(az, ax);
  const e1 = e1n > 1e-12 ? [az / e1n, 0, -ax / e1n] : [1, 0, 0];
  const e2 = [ay * e1[2] - az * e1[1], az * e1[0] - ax * e1[2], ax * e1[1] - ay * e1[0]];
  return [0, 1, 2].map((k) => local[0] * e1[k] + local[1] * e2[k] + local[2] * axis[k]);
}

/**
 * Generates `nEvents` charged-current events with oscillation weights.
 * The theory tensors are read for validation only; `weight` is the
 * differentiable output.
 *
 * @example
 * ```ts
 * const ev = neutrinoEvents({ sin22theta: tf.scalar(0.95), dm2eV2: tf.scalar(2.5e-3) }, prngKey(1), { nEvents: 100, channel: 'numu-disappearance' });
 * // ev.segments → LArTPC simulation; ev.weight: P(νμ→νμ) per event
 * ```
 */
export function neutrinoEvents(theory: OscillationTheory, key: PRNGKey, o: NeutrinoOptions): NeutrinoEvents {
  if (!(Number.isInteger(o.nEvents) && o.nEvents >= 1)) throw new DomainError('nEvents', o.nEvents, 'must be a positive integer');
  if (o.channel !== 'numu-disappearance' && o.channel !== 'nue-appearance') throw new DomainError('channel', o.channel, "must be 'numu-disappearance' or 'nue-appearance'");
  const s22 = theory.sin22theta.dataSync()[0];
  const dm2 = theory.dm2eV2.dataSync()[0];
  if (!Number.isFinite(s22)) throw new NonFiniteError('sin22theta', s22);
  if (!Number.isFinite(dm2)) throw new NonFiniteError('dm2eV2', dm2);
  if (!(s22 >= 0 && s22 <= 1)) throw new DomainError('sin22theta', s22, 'must be in [0, 1]');
  if (!(dm2 >= 0)) throw new DomainError('dm2eV2', dm2, 'must be ≥ 0 eV²');
  const L = o.baselineKm ?? 1300;
  if (!(L > 0) || !Number.isFinite(L)) throw new DomainError('baselineKm', L, 'must be finite and > 0 km');
  const k = o.fluxShape ?? 3;
  const th = o.fluxScaleGeV ?? 0.8;
  if (!(k > 0)) throw new DomainError('fluxShape', k, 'must be > 0');
  if (!(th > 0)) throw new DomainError('fluxScaleGeV', th, 'energy scale must be > 0 GeV');
  const box = o.vertexBoxCm ?? { x: [-30, 30], y: [-30, 30], z: [-30, 30] };
  const stepCm = o.stepCm ?? 0.5;
  const maxCm = o.maxTrackCm ?? 300;
  if (!(stepCm > 0)) throw new DomainError('stepCm', stepCm, 'must be > 0 cm');
  const n = o.nEvents;
  const [kE, kQ, kV, kPhi] = key.fold('neutrino').split(4);
  const uE = kE.uniforms(n);
  const uQ = kQ.uniforms(n);
  const uV = kV.uniforms(3 * n);
  const uPhi = kPhi.uniforms(n);
  const isE = o.channel === 'nue-appearance';
  const mL = isE ? M_E_MEV : M_MU_MEV;
  const beam = [0, 0, 1];
  const segs: SegList = { xs: [], ys: [], zs: [], xe: [], ye: [], ze: [], de: [], dedx: [], ev: [], traj: [], pdg: [] };
  const energyGeV = new Float32Array(n);
  const lepT = new Float32Array(n);
  const proT = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    // Rate spectrum flux × σ ∝ E^k e^(−E/θ) = Gamma(k + 1, θ); keep E above the CCQE threshold.
    let eGeV = th * gammaQuantile(k + 1, uE[i]);
    const thrGeV = ((mL + M_P_MEV) ** 2 - M_N_MEV ** 2) / (2 * M_N_MEV) / 1000;
    if (eGeV < 1.05 * thrGeV) eGeV = 1.05 * thrGeV;
    energyGeV[i] = eGeV;
    const E = eGeV * 1000; // MeV
    const M = M_N_MEV;
    // Q² range for the 2-body reaction ν n → ℓ p in the nucleon rest frame (MeV²).
    const s = M * M + 2 * M * E;
    const sq = Math.sqrt(s);
    const pCm = (s - M * M) / (2 * sq);
    const eLcm = (s + mL * mL - M_P_MEV * M_P_MEV) / (2 * sq);
    const pLcm = Math.sqrt(Math.max(0, eLcm * eLcm - mL * mL));
    const q2min = Math.max(0, -mL * mL + 2 * (pCm * eLcm - pCm * pLcm));
    const q2max = -mL * mL + 2 * (pCm * eLcm + pCm * pLcm);
    const q2 = Math.min(q2max, Math.max(q2min, drawQ2(uQ[i], q2max / 1e6) * 1e6));
    // Lepton energy from Q² (target at rest, neglecting the n–p mass difference in the recoil): ν = E − E_ℓ, Q² = 2Mν − (M_p² − M²) − ...
    const nu = (q2 + M_P_MEV * M_P_MEV - M * M) / (2 * M);
    const eL = Math.max(mL, E - nu);
    const pL = Math.sqrt(Math.max(0, eL * eL - mL * mL));
    const cosL = Math.max(-1, Math.min(1, (2 * E * eL - mL * mL - q2) / (2 * E * Math.max(pL, 1e-9))));
    const phi = 2 * Math.PI * uPhi[i];
    const dL = unitFrom(cosL, phi, beam);
    const pLv = dL.map((c) => c * pL);
    const pPv = [-pLv[0], -pLv[1], E - pLv[2]];
    const pP = Math.hypot(pPv[0], pPv[1], pPv[2]);
    const eP = E + M - eL;
    const tP = Math.max(0, eP - M_P_MEV);
    const dP = pP > 0 ? pPv.map((c) => c / pP) : [0, 0, 1];
    lepT[i] = eL - mL;
    proT[i] = tP;
    const vtx = [box.x[0] + uV[3 * i] * (box.x[1] - box.x[0]), box.y[0] + uV[3 * i + 1] * (box.y[1] - box.y[0]), box.z[0] + uV[3 * i + 2] * (box.z[1] - box.z[0])];
    if (isE) electronShower(segs, vtx, dL, eL, i);
    else stepTrack(segs, vtx, dL, M_MU_MEV, eL - mL, stepCm, maxCm, i, 0, 13);
    stepTrack(segs, vtx, dP, M_P_MEV, tP, stepCm, maxCm, i, 1, 2212);
  }
  const m = segs.de.length;
  const out = allocSegments(m);
  out.x_start.set(segs.xs);
  out.y_start.set(segs.ys);
  out.z_start.set(segs.zs);
  out.x_end.set(segs.xe);
  out.y_end.set(segs.ye);
  out.z_end.set(segs.ze);
  out.dE.set(segs.de);
  out.dEdx.set(segs.dedx);
  out.event_id.set(segs.ev);
  out.traj_id.set(segs.traj);
  out.pdg_id = Int32Array.from(segs.pdg);
  const weight = tf.tidy(() => oscillationWeight(theory, tf.tensor1d(energyGeV), L, o.channel));
  return { segments: out, energyGeV, weight, leptonKineticMeV: lepT, protonKineticMeV: proT };
}
