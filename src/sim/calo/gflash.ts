/**
 * The GFlash parametrization of electromagnetic showers (Grindhammer &
 * Peters, hep-ex/0001020; coefficients as in Geant4's
 * GVFlashHomoShowerTuning / GFlashSamplingShowerTuning), as tensor
 * functions so that gradients flow through every coefficient's argument.
 *
 * Longitudinal: dE/dt = E (βt)^(α−1) β e^(−βt)/Γ(α), T = (α−1)/β; ln T and
 * ln α are correlated normals whose means, widths and correlation depend on
 * y = E/E_c, Z and (sampling) F_S and ê. Lateral: a core and a tail
 * component, each with radial CDF r²/(r² + R²); Rc, Rt (in Molière radii)
 * and the core weight p depend on τ = t/T, ln E and Z.
 */
import { tf, type Tensor } from '../../autodiff/index.js';

/** Means, widths and correlation of (ln T, ln α). */
export interface LongitudinalMoments {
  meanLnT: Tensor;
  meanLnAlpha: Tensor;
  sigmaLnT: Tensor;
  sigmaLnAlpha: Tensor;
  rho: Tensor;
}

/** Medium seen by the parametrization (scalars; samplingFrequency infinite for homogeneous media). */
export interface GflashMedium {
  zEff: Tensor;
  criticalMeV: Tensor;
  samplingFrequency: Tensor;
  eHat: number;
  sampling: boolean;
}

/** Geant4 GFlash floors arguments of logarithms at 0.1 and caps widths at 0.5. */
const LOG_ARG_FLOOR = 0.1;
const SIGMA_CAP = 0.5;

/** (ln T, ln α) moments for energies `energyGeV` ([B]). */
export function longitudinalMoments(energyGeV: Tensor, m: GflashMedium): LongitudinalMoments {
  const lnY = tf.log(tf.div(tf.mul(energyGeV, 1000), m.criticalMeV));
  // Homogeneous media: <ln T> = ln(ln y − 0.812), <ln α> = ln(0.81 + (0.458 + 2.26/Z) ln y).
  const tHom = tf.maximum(tf.sub(lnY, 0.812), LOG_ARG_FLOOR);
  const aHom = tf.maximum(tf.add(0.81, tf.mul(tf.add(0.458, tf.div(2.26, m.zEff)), lnY)), LOG_ARG_FLOOR);
  if (!m.sampling) {
    return {
      meanLnT: tf.log(tHom),
      meanLnAlpha: tf.log(aHom),
      sigmaLnT: tf.minimum(tf.div(1, tf.add(-1.4, tf.mul(1.26, lnY))), SIGMA_CAP),
      sigmaLnAlpha: tf.minimum(tf.div(1, tf.add(-0.58, tf.mul(0.86, lnY))), SIGMA_CAP),
      rho: tf.sub(0.705, tf.mul(0.023, lnY)),
    };
  }
  // Sampling: T_sam = T_hom − 0.55/F_S − 0.69 (1 − ê); α_sam = α_hom − 0.476/F_S.
  const invFs = tf.div(1, m.samplingFrequency);
  const tSam = tf.maximum(tf.sub(tf.sub(tHom, tf.mul(0.55, invFs)), 0.69 * (1 - m.eHat)), LOG_ARG_FLOOR);
  const aSam = tf.maximum(tf.sub(aHom, tf.mul(0.476, invFs)), LOG_ARG_FLOOR);
  return {
    meanLnT: tf.log(tSam),
    meanLnAlpha: tf.log(aSam),
    sigmaLnT: tf.minimum(tf.div(1, tf.add(-2.5, tf.mul(1.25, lnY))), SIGMA_CAP),
    sigmaLnAlpha: tf.minimum(tf.div(1, tf.add(-0.82, tf.mul(0.79, lnY))), SIGMA_CAP),
    rho: tf.sub(0.784, tf.mul(0.023, lnY)),
  };
}

/** lo + s·softplus((x − lo)/s): a smooth floor, equal to x well above lo. */
export function smoothFloor(x: Tensor, lo: number, s: number): Tensor {
  return tf.add(lo, tf.mul(s, tf.softplus(tf.div(tf.sub(x, lo), s))));
}

/**
 * The correlated draw (pathwise): ln T = μ_T + σ_T (√((1+ρ)/2) z1 + √((1−ρ)/2) z2),
 * ln α = μ_α + σ_α (√((1+ρ)/2) z1 − √((1−ρ)/2) z2). Returns T [X0] and α with
 * Geant4's floors T ≥ 1, α ≥ 1.1 applied smoothly.
 */
export function drawShape(mom: LongitudinalMoments, z1: Tensor, z2: Tensor): { tmax: Tensor; alpha: Tensor; beta: Tensor } {
  const c1 = tf.sqrt(tf.div(tf.add(1, mom.rho), 2));
  const c2 = tf.sqrt(tf.div(tf.sub(1, mom.rho), 2));
  const u = tf.mul(c1, z1);
  const v = tf.mul(c2, z2);
  const lnT = tf.add(mom.meanLnT, tf.mul(mom.sigmaLnT, tf.add(u, v)));
  const lnA = tf.add(mom.meanLnAlpha, tf.mul(mom.sigmaLnAlpha, tf.sub(u, v)));
  const tmax = smoothFloor(tf.exp(lnT), 1, 0.05);
  const alpha = smoothFloor(tf.exp(lnA), 1.1, 0.05);
  const beta = tf.div(tf.sub(alpha, 1), tmax);
  return { tmax, alpha, beta };
}

/** Lateral profile parameters: radii in Molière radii and the core weight. */
export interface LateralParams {
  rCore: Tensor;
  rTail: Tensor;
  pCore: Tensor;
}

/** Rc, Rt, p at τ = t/T (any shape) for energy lnE (broadcastable), Z and the medium. */
export function lateralParams(tau: Tensor, lnE: Tensor, m: GflashMedium): LateralParams {
  const z = m.zEff;
  let rc = tf.add(tf.add(0.0251, tf.mul(0.00319, lnE)), tf.mul(tf.sub(0.1162, tf.mul(0.000381, z)), tau));
  const k1 = tf.sub(0.659, tf.mul(0.00309, z));
  const k2 = 0.645;
  const k3 = -2.59;
  const k4 = tf.add(0.3585, tf.mul(0.0412, lnE)); // Geant4 ParRT5/ParRT6 (CMSSW's 0.0421 differs)
  let rt = tf.mul(k1, tf.add(tf.exp(tf.mul(k3, tf.sub(tau, k2))), tf.exp(tf.mul(k4, tf.sub(tau, k2)))));
  const p1 = tf.sub(2.632, tf.mul(0.00094, z));
  const p2 = tf.add(0.401, tf.mul(0.00187, z));
  const p3 = tf.sub(1.313, tf.mul(0.0686, lnE));
  const arg = tf.div(tf.sub(p2, tau), p3);
  let p = tf.mul(p1, tf.exp(tf.sub(arg, tf.exp(arg))));
  if (m.sampling) {
    const invFs = tf.div(1, m.samplingFrequency);
    const oneMinusE = 1 - m.eHat;
    const eTau = tf.exp(tf.neg(tau));
    rc = tf.add(rc, tf.add(-0.0203 * oneMinusE, tf.mul(tf.mul(0.0397, invFs), eTau)));
    rt = tf.add(rt, tf.add(-0.14 * oneMinusE, tf.mul(tf.mul(-0.495, invFs), eTau)));
    const g = tf.exp(tf.neg(tf.square(tf.sub(tau, 1))));
    p = tf.add(p, tf.mul(oneMinusE, tf.sub(0.348, tf.mul(tf.mul(0.642, invFs), g))));
  }
  return {
    rCore: smoothFloor(rc, 0.005, 0.002),
    rTail: smoothFloor(rt, 0.05, 0.01),
    pCore: tf.clipByValue(p, 0, 1),
  };
}
