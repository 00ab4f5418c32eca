/**
 * Physical constants of liquid argon and of the LArPix pixel readout used by
 * the LArTPC simulation. Values as in larnd-sim (DUNE/larnd-sim,
 * `larndsim/consts/`; arXiv:2309.04639) unless another source is cited.
 */

/** Mean energy to create one electron-ion pair in LAr [MeV] (23.6 eV; larnd-sim consts.physics W_ION). */
export const W_ION_MEV = 23.6e-6;

/** Liquid-argon density used by the recombination models [g/cm^3] (larnd-sim consts.detector LAR_DENSITY). */
export const LAR_DENSITY_G_CM3 = 1.38;

/** Reference temperature of the mobility parameterization [K] (Li et al., NIM A 816 (2016) 160). */
export const MOBILITY_T0_K = 89;

/**
 * Electron-mobility parameterization coefficients a0..a5 (larnd-sim
 * ELECTRON_MOBILITY_PARAMS; Li et al., doi:10.1016/j.nima.2016.01.073):
 * mu = (a0 + a1 E + a2 E^1.5 + a3 E^2.5) / (1 + (a1/a0) E + a4 E^2 + a5 E^3) * (T/89 K)^-1.5
 * with E in kV/cm and mu in cm^2/(V s).
 */
export const MOBILITY_PARAMS = [551.6, 7158.3, 4440.43, 4.29, 43.63, 0.2053] as const;

/** LAr temperature of the module-0 configuration [K] (larnd-sim consts.detector TEMPERATURE). */
export const LAR_TEMPERATURE_K = 87.17;

/** Electron rest energy [MeV] (PDG). */
export const ELECTRON_MASS_MEV = 0.51099895;
/** Muon mass [MeV] (PDG). */
export const MUON_MASS_MEV = 105.6583755;
/** Proton mass [MeV] (PDG). */
export const PROTON_MASS_MEV = 938.27208816;
/** Bethe-Bloch constant K = 4 pi N_A r_e^2 m_e c^2 [MeV cm^2/mol] (PDG). */
export const BETHE_K_MEV_CM2_MOL = 0.307075;
/** Argon atomic number and mass [g/mol] (PDG). */
export const ARGON_Z = 18;
export const ARGON_A_G_MOL = 39.948;
/** Mean excitation energy of argon [MeV] (188 eV, PDG atomic and nuclear properties). */
export const ARGON_I_MEV = 188e-6;

/** Module-0 TPC geometry (larnd-sim module0 configuration; physics reference sheet section 1). */
export const MODULE0 = {
  /** Anode planes [cm]: two TPCs sharing a cathode at z = 0. */
  anodeZCm: [-30.431, 30.431] as const,
  cathodeZCm: 0,
  xRangeCm: [-31.04, 31.04] as const,
  yRangeCm: [-83.86, 40.22] as const,
  /** Pixel pitch [cm] (4.434 mm). */
  pixelPitchCm: 0.4434,
  /** Time tick [µs]. */
  tickUs: 0.1,
  /** Readout window [µs]. */
  readoutWindowUs: 200,
};

/** LArPix electronics (larnd-sim consts.detector / fee). */
export const LARPIX = {
  /** Discrimination threshold [electrons]. */
  thresholdE: 7000,
  /** Integration window after a trigger (ADC hold delay) [ticks]. */
  holdDelayTicks: 15,
  /** Reset (dead) time after a digitization [ticks]. */
  resetTicks: 1,
  /** Front-end gain [mV/electron] (4 mV/ke-). */
  gainMvPerE: 4e-3,
  /** Pedestal, common-mode and reference voltages [mV]. */
  vPedestalMv: 580,
  vCommonMv: 288,
  vRefMv: 1300,
  /** ADC counts (8 bit). */
  adcCounts: 256,
  /** Noise charges [electrons]: reset, uncorrelated, discriminator. */
  resetNoiseE: 900,
  uncorrelatedNoiseE: 500,
  discriminatorNoiseE: 650,
};
