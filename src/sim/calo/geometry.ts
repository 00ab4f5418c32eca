/**
 * Calorimeter geometry: a longitudinally segmented sampling calorimeter
 * (per layer an absorber plate then an active gap) or a homogeneous crystal
 * calorimeter cut into longitudinal layers, read out in a square grid of
 * cells per layer. Thicknesses and the cell size are the differentiable
 * quantities (tensors in `CaloTensors`); materials, layer and cell counts are
 * the static design (`CaloDesign`).
 *
 * The effective medium of the stack (Z, X0, R_M, E_c, the GFlash sampling
 * frequency F_S and e/mip ratio ê) is computed from the thicknesses as
 * tensors, so gradients flow from thicknesses into the shower shape.
 * Mixture rules (Grindhammer & Peters, hep-ex/0001020, sec. 4; Geant4
 * GFlashSamplingShowerParameterisation): mass weights wᵢ for Z; volume
 * fractions vᵢ = dᵢ/Σd for 1/X0 = Σ vᵢ/X0ᵢ (equal to the mass-weighted rule
 * on X0 in g/cm²), R_M = E_s / Σ vᵢ E_cᵢ/X0ᵢ, E_c = X0 Σ vᵢ E_cᵢ/X0ᵢ;
 * F_S = X0_eff/(d_a + d_p) with the mean layer period; ê = 1/(1 + 0.007 (Z_a − Z_p)).
 */
import { tf, type Tensor, DomainError, DiffhepError, NonFiniteError } from '../../autodiff/index.js';
import { material, ES_MEV, ABSORBERS, ACTIVE_MEDIA, type Material } from './materials.js';

/** User-facing description of a calorimeter (plain numbers). */
export interface CaloSpec {
  /** 'sampling' (absorber + active per layer) or 'homogeneous' (one crystal). Default 'sampling'. */
  kind?: 'sampling' | 'homogeneous';
  /** Absorber material (sampling) or the crystal (homogeneous). */
  absorber: string;
  /** Active material (sampling only). */
  active?: string;
  /** Number of layers (needed when thicknesses are given as one number). */
  nLayers?: number;
  /** Absorber (or crystal-layer) thickness per layer [cm], or one value for all. */
  absorberCm: number | number[];
  /** Active thickness per layer [cm], or one value for all (sampling only). */
  activeCm?: number | number[];
  /** Transverse cell size [cm]. */
  cellSizeCm: number;
  /** Cells per side of the square read-out grid (odd, so a cell is centred on the axis). Default 7. */
  cellsPerSide?: number;
  /** Photoelectrons per GeV of visible energy (default: the active material's). */
  photoelectronsPerGeV?: number;
  /** Electronic noise per cell of 1 cm side [MeV visible]; scales with the cell side. Default: the active material's. */
  noiseMeVPerCm?: number;
  /** Depth sub-slices per layer for the lateral profile's depth dependence. Default 2. */
  subSlices?: number;
}

/** The static part of a calorimeter. */
export interface CaloDesign {
  kind: 'sampling' | 'homogeneous';
  absorber: Material;
  /** The active medium; for a homogeneous calorimeter the crystal itself. */
  active: Material;
  nLayers: number;
  cellsPerSide: number;
  photoelectronsPerGeV: number;
  noiseMeVPerCm: number;
  subSlices: number;
}

/** The differentiable part of a calorimeter, as tensors. */
export interface CaloTensors {
  /** [L] absorber (crystal) thickness per layer [cm]. */
  absorberCm: Tensor;
  /** [L] active thickness per layer [cm] (zeros for homogeneous). */
  activeCm: Tensor;
  /** [] cell size [cm]. */
  cellSizeCm: Tensor;
}

/** A validated calorimeter: design plus plain thickness values. */
export interface Calorimeter {
  design: CaloDesign;
  absorberCm: number[];
  activeCm: number[];
  cellSizeCm: number;
}

function perLayer(field: string, v: number | number[] | undefined, n: number | undefined): number[] {
  if (v === undefined) throw new DiffhepError(`'${field}' is required`, field);
  const arr = Array.isArray(v) ? v : Array.from({ length: n ?? 0 }, () => v);
  if (!Array.isArray(v) && !(Number.isInteger(n) && (n as number) >= 1)) throw new DomainError('nLayers', n, `must be a positive integer when '${field}' is one number`);
  if (arr.length === 0) throw new DomainError(field, v, 'needs at least one layer');
  arr.forEach((x, i) => {
    if (!Number.isFinite(x)) throw new NonFiniteError(`${field}[${i}]`, x);
    if (!(x > 0)) throw new DomainError(`${field}[${i}]`, x, 'thickness must be > 0 cm');
  });
  return arr.slice();
}

/**
 * Validates a spec and returns the calorimeter (throws naming the bad field).
 *
 * @example
 * ```ts
 * const calo = calorimeter({ absorber: 'W', active: 'Si', nLayers: 30, absorberCm: 0.35, activeCm: 0.03, cellSizeCm: 1 });
 * const crystal = calorimeter({ kind: 'homogeneous', absorber: 'PbWO4', nLayers: 10, absorberCm: 2.3, cellSizeCm: 2.2 });
 * ```
 */
export function calorimeter(spec: CaloSpec): Calorimeter {
  const kind = spec.kind ?? 'sampling';
  if (kind !== 'sampling' && kind !== 'homogeneous') throw new DomainError('kind', kind, "must be 'sampling' or 'homogeneous'");
  const absorber = material(spec.absorber, 'absorber');
  const absorberCm = perLayer('absorberCm', spec.absorberCm, spec.nLayers);
  const nLayers = absorberCm.length;
  if (spec.nLayers !== undefined && spec.nLayers !== nLayers) throw new DomainError('nLayers', spec.nLayers, `does not match ${nLayers} absorber thicknesses`);
  let active: Material;
  let activeCm: number[];
  if (kind === 'sampling') {
    if (!ABSORBERS.includes(absorber.name)) throw new DomainError('absorber', spec.absorber, `must be one of ${ABSORBERS.join(', ')}`);
    if (spec.active === undefined) throw new DiffhepError("a sampling calorimeter needs 'active'", 'active');
    active = material(spec.active, 'active');
    if (!ACTIVE_MEDIA.includes(active.name)) throw new DomainError('active', spec.active, `must be one of ${ACTIVE_MEDIA.join(', ')}`);
    activeCm = perLayer('activeCm', spec.activeCm, nLayers);
    if (activeCm.length !== nLayers) throw new DomainError('activeCm', spec.activeCm, `needs ${nLayers} values (one per layer)`);
  } else {
    if (absorber.name !== 'PbWO4') throw new DomainError('absorber', spec.absorber, "a homogeneous calorimeter is made of 'PbWO4'");
    if (spec.active !== undefined && spec.active !== spec.absorber) throw new DomainError('active', spec.active, 'a homogeneous calorimeter has no separate active medium');
    active = absorber;
    activeCm = Array.from({ length: nLayers }, () => 0);
  }
  if (!Number.isFinite(spec.cellSizeCm)) throw new NonFiniteError('cellSizeCm', spec.cellSizeCm);
  if (!(spec.cellSizeCm > 0)) throw new DomainError('cellSizeCm', spec.cellSizeCm, 'must be > 0 cm');
  const cellsPerSide = spec.cellsPerSide ?? 7;
  if (!(Number.isInteger(cellsPerSide) && cellsPerSide >= 1 && cellsPerSide % 2 === 1)) throw new DomainError('cellsPerSide', cellsPerSide, 'must be an odd positive integer');
  const subSlices = spec.subSlices ?? 2;
  if (!(Number.isInteger(subSlices) && subSlices >= 1 && subSlices <= 8)) throw new DomainError('subSlices', subSlices, 'must be an integer in [1, 8]');
  const photoelectronsPerGeV = spec.photoelectronsPerGeV ?? active.photoelectronsPerGeV;
  if (!(photoelectronsPerGeV > 0)) throw new DomainError('photoelectronsPerGeV', photoelectronsPerGeV, 'must be > 0 (Infinity: no photostatistics)');
  const noiseMeVPerCm = spec.noiseMeVPerCm ?? active.noiseMeVPerCm;
  if (!(noiseMeVPerCm >= 0) || !Number.isFinite(noiseMeVPerCm)) throw new DomainError('noiseMeVPerCm', noiseMeVPerCm, 'must be finite and ≥ 0');
  return {
    design: { kind, absorber, active, nLayers, cellsPerSide, photoelectronsPerGeV, noiseMeVPerCm, subSlices },
    absorberCm,
    activeCm,
    cellSizeCm: spec.cellSizeCm,
  };
}

/** The thicknesses and cell size of a calorimeter as (constant) tensors. */
export function caloTensors(c: Calorimeter): CaloTensors {
  return {
    absorberCm: tf.tensor1d(c.absorberCm),
    activeCm: tf.tensor1d(c.activeCm),
    cellSizeCm: tf.scalar(c.cellSizeCm),
  };
}

/** The effective medium of the stack, as tensors (scalars unless noted). */
export interface EffectiveMedium {
  zEff: Tensor;
  x0Cm: Tensor;
  moliereCm: Tensor;
  criticalMeV: Tensor;
  /** GFlash sampling frequency F_S = X0_eff / mean layer period (Infinity-free: only for sampling). */
  samplingFrequency: Tensor;
  /** e/mip ratio ê (a number: depends on the materials only). */
  eHat: number;
  /** [L] radiation lengths per layer along the normal. */
  layerX0: Tensor;
  /** [L] geometric thickness per layer [cm]. */
  layerCm: Tensor;
  /** [L] mip sampling fraction per layer (1 for homogeneous). */
  samplingFraction: Tensor;
}

/**
 * Effective medium of the stack from the thickness tensors (differentiable). Tensor level.
 *
 * @example
 * ```ts
 * const m = tf.tidy(() => effectiveMedium(calo.design, caloTensors(calo)).moliereCm.dataSync()[0]);
 * ```
 */
export function effectiveMedium(design: CaloDesign, geo: CaloTensors): EffectiveMedium {
  const a = design.absorber;
  const p = design.active;
  const layerCm = tf.add(geo.absorberCm, geo.activeCm);
  const layerX0 = tf.add(tf.div(geo.absorberCm, a.x0Cm), tf.div(geo.activeCm, p.x0Cm));
  if (design.kind === 'homogeneous') {
    return {
      zEff: tf.scalar(a.z),
      x0Cm: tf.scalar(a.x0Cm),
      moliereCm: tf.scalar(a.moliereCm),
      criticalMeV: tf.scalar(a.criticalMeV),
      samplingFrequency: tf.scalar(Infinity),
      eHat: 1,
      layerX0,
      layerCm,
      samplingFraction: tf.onesLike(geo.absorberCm),
    };
  }
  const dA = tf.sum(geo.absorberCm);
  const dP = tf.sum(geo.activeCm);
  const total = tf.add(dA, dP);
  const vA = tf.div(dA, total);
  const vP = tf.div(dP, total);
  const mA = tf.mul(dA, a.densityGcm3);
  const mP = tf.mul(dP, p.densityGcm3);
  const mTot = tf.add(mA, mP);
  const zEff = tf.div(tf.add(tf.mul(mA, a.z), tf.mul(mP, p.z)), mTot);
  const invX0 = tf.add(tf.div(vA, a.x0Cm), tf.div(vP, p.x0Cm));
  const x0Cm = tf.div(1, invX0);
  const ecOverX0 = tf.add(tf.mul(vA, a.criticalMeV / a.x0Cm), tf.mul(vP, p.criticalMeV / p.x0Cm));
  const moliereCm = tf.div(ES_MEV, ecOverX0);
  const criticalMeV = tf.mul(x0Cm, ecOverX0);
  const meanPeriod = tf.div(total, design.nLayers);
  const samplingFrequency = tf.div(x0Cm, meanPeriod);
  const eHat = 1 / (1 + 0.007 * (a.z - p.z));
  const visA = tf.mul(geo.absorberCm, a.mipDedxMeVPerCm);
  const visP = tf.mul(geo.activeCm, p.mipDedxMeVPerCm);
  const samplingFraction = tf.div(visP, tf.add(visA, visP));
  return { zEff, x0Cm, moliereCm, criticalMeV, samplingFrequency, eHat, layerX0, layerCm, samplingFraction };
}
