/**
 * Calorimeter materials: radiation length, Molière radius, critical energy,
 * (effective) atomic number, density and minimum-ionizing stopping power.
 *
 * Source: PDG "Atomic and Nuclear Properties of Materials"
 * (pdg.lbl.gov/AtomicNuclearProperties; Review of Particle Physics 2024),
 * critical energies for electrons (Rossi definition). Effective Z of a
 * compound is the mass-weighted mean Σ wᵢZᵢ (as GFlash's `GetEffZ`).
 * Readout defaults (light yield, noise) are typical values with their
 * sources noted per entry; they are settings, not material constants.
 */
import { DiffhepError } from '../../autodiff/index.js';

/** A material of the table. */
export interface Material {
  name: MaterialName;
  /** Radiation length [cm]. */
  x0Cm: number;
  /** Molière radius [cm]. */
  moliereCm: number;
  /** Critical energy for electrons [MeV]. */
  criticalMeV: number;
  /** Atomic number (mass-weighted mean for compounds). */
  z: number;
  /** Density [g/cm³]. */
  densityGcm3: number;
  /** Minimum-ionizing stopping power [MeV/cm] (PDG ⟨dE/dx⟩min × density). */
  mipDedxMeVPerCm: number;
  /** Whether it can serve as the active (read-out) medium. */
  activeCapable: boolean;
  /**
   * Default photoelectrons per GeV of visible energy for a scintillating
   * active medium; `Infinity` for ionization read-out (no photostatistics).
   */
  photoelectronsPerGeV: number;
  /** Default electronic noise per 1 cm × 1 cm cell [MeV of visible energy]. */
  noiseMeVPerCm: number;
}

/** Names of the materials in the table. */
export type MaterialName = 'Pb' | 'W' | 'Fe' | 'Cu' | 'PbWO4' | 'LAr' | 'Scintillator' | 'Si';

/** The material table (PDG 2024 values; see the module doc). */
export const MATERIALS: Readonly<Record<MaterialName, Material>> = Object.freeze({
  // PDG: Pb X0 6.37 g/cm² = 0.5612 cm, R_M 1.602 cm, E_c(e−) 7.43 MeV, ⟨dE/dx⟩min 1.122 MeV cm²/g.
  Pb: { name: 'Pb', x0Cm: 0.5612, moliereCm: 1.602, criticalMeV: 7.43, z: 82, densityGcm3: 11.35, mipDedxMeVPerCm: 1.122 * 11.35, activeCapable: false, photoelectronsPerGeV: Infinity, noiseMeVPerCm: 0 },
  // PDG: W X0 6.76 g/cm² = 0.3504 cm, R_M 0.9327 cm, E_c(e−) 7.97 MeV, ⟨dE/dx⟩min 1.145 MeV cm²/g.
  W: { name: 'W', x0Cm: 0.3504, moliereCm: 0.9327, criticalMeV: 7.97, z: 74, densityGcm3: 19.3, mipDedxMeVPerCm: 1.145 * 19.3, activeCapable: false, photoelectronsPerGeV: Infinity, noiseMeVPerCm: 0 },
  // PDG: Fe X0 13.84 g/cm² = 1.757 cm, R_M 1.719 cm, E_c(e−) 21.68 MeV, ⟨dE/dx⟩min 1.451 MeV cm²/g.
  Fe: { name: 'Fe', x0Cm: 1.757, moliereCm: 1.719, criticalMeV: 21.68, z: 26, densityGcm3: 7.874, mipDedxMeVPerCm: 1.451 * 7.874, activeCapable: false, photoelectronsPerGeV: Infinity, noiseMeVPerCm: 0 },
  // PDG: Cu X0 12.86 g/cm² = 1.436 cm, R_M 1.568 cm, E_c(e−) 19.42 MeV, ⟨dE/dx⟩min 1.403 MeV cm²/g.
  Cu: { name: 'Cu', x0Cm: 1.436, moliereCm: 1.568, criticalMeV: 19.42, z: 29, densityGcm3: 8.96, mipDedxMeVPerCm: 1.403 * 8.96, activeCapable: false, photoelectronsPerGeV: Infinity, noiseMeVPerCm: 0 },
  // PDG: PbWO4 X0 7.39 g/cm² = 0.8903 cm, R_M 1.959 cm, E_c(e−) 9.64 MeV, ⟨dE/dx⟩min 1.229 MeV cm²/g,
  // density 8.300 g/cm³ (the reference sheet's 8.28 is the CMS ECAL TDR value). Z_eff = Σ wᵢZᵢ = 68.4.
  // Light yield ≈ 4.5 p.e./MeV with APDs (CMS ECAL TDR, CERN-LHCC-97-033); noise ≈ 40 MeV per 2.2 cm crystal (CMS).
  PbWO4: { name: 'PbWO4', x0Cm: 0.8903, moliereCm: 1.959, criticalMeV: 9.64, z: 68.4, densityGcm3: 8.3, mipDedxMeVPerCm: 1.229 * 8.3, activeCapable: true, photoelectronsPerGeV: 4500, noiseMeVPerCm: 18 },
  // PDG: liquid argon X0 19.55 g/cm² = 14.00 cm, R_M 9.043 cm, E_c(e−) 32.84 MeV, ⟨dE/dx⟩min 1.519 MeV cm²/g.
  // Ionization read-out: no photostatistics. Noise default 0.05 MeV of visible energy per cm of cell side
  // (an order-of-magnitude setting for LAr ionization read-out, not a material constant).
  LAr: { name: 'LAr', x0Cm: 14.0, moliereCm: 9.043, criticalMeV: 32.84, z: 18, densityGcm3: 1.396, mipDedxMeVPerCm: 1.519 * 1.396, activeCapable: true, photoelectronsPerGeV: Infinity, noiseMeVPerCm: 0.05 },
  // PDG: polystyrene scintillator X0 43.79 g/cm² = 41.31 cm, R_M 9.410 cm, E_c(e−) 93.11 MeV,
  // ⟨dE/dx⟩min 1.936 MeV cm²/g, density 1.060. Z_eff = Σ wᵢZᵢ = 5.6.
  // Light yield ≈ 2 p.e. per visible MeV for tiles with WLS fibres (ATLAS TileCal, order of magnitude).
  Scintillator: { name: 'Scintillator', x0Cm: 41.31, moliereCm: 9.41, criticalMeV: 93.11, z: 5.6, densityGcm3: 1.06, mipDedxMeVPerCm: 1.936 * 1.06, activeCapable: true, photoelectronsPerGeV: 2000, noiseMeVPerCm: 0.05 },
  // PDG: Si X0 21.82 g/cm² = 9.370 cm, R_M 4.944 cm, E_c(e−) 40.19 MeV, ⟨dE/dx⟩min 1.664 MeV cm²/g, density 2.329.
  // Ionization read-out; noise ≈ 0.01 MeV visible (≈ 1/8 of a MIP in 300 µm; CMS HGCAL TDR).
  Si: { name: 'Si', x0Cm: 9.37, moliereCm: 4.944, criticalMeV: 40.19, z: 14, densityGcm3: 2.329, mipDedxMeVPerCm: 1.664 * 2.329, activeCapable: true, photoelectronsPerGeV: Infinity, noiseMeVPerCm: 0.01 },
});

/** Absorber materials of a sampling calorimeter. */
export const ABSORBERS: readonly MaterialName[] = ['Pb', 'W', 'Fe', 'Cu', 'PbWO4'];
/** Active materials of a sampling calorimeter. */
export const ACTIVE_MEDIA: readonly MaterialName[] = ['LAr', 'Scintillator', 'Si'];

/** Looks a material up by name; unknown names throw, listing the table. */
export function material(name: string, field = 'material'): Material {
  const m = (MATERIALS as Record<string, Material>)[name];
  if (!m) throw new DiffhepError(`unknown material '${name}' for '${field}' (have: ${Object.keys(MATERIALS).join(', ')})`, field);
  return m;
}

/** Scale energy of multiple scattering, E_s = m_e c² √(4π/α) = 21.2 MeV (PDG Review, "Passage of particles through matter", Molière radius). */
export const ES_MEV = 21.2;
