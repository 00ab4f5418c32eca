/**
 * User-facing shower simulation: plain numbers in, plain arrays out; the
 * tensors and their memory stay inside.
 */
import { tf, PRNGKey, DomainError } from '../../autodiff/index.js';
import { caloTensors, type Calorimeter } from './geometry.js';
import { drawShowerRandoms, showerTensors, type ShowerOptions } from './shower.js';

/** Particles to shower: one energy per shower (or one for all with `count`). */
export interface ParticleGun {
  particle: 'electron' | 'photon';
  /** Energy per shower [GeV] (or one value repeated `count` times). */
  energyGeV: number | number[];
  count?: number;
  thetaRad?: number;
  xCm?: number;
  yCm?: number;
}

/** Simulated showers as plain arrays. */
export interface ShowerEvents {
  /** Number of showers B, layers L, cells per side n. */
  batch: number;
  nLayers: number;
  cellsPerSide: number;
  energyGeV: Float32Array;
  /** [B·L·n·n] deposited energy per cell [GeV], row-major (shower, layer, x, y). */
  deposited: Float32Array;
  /** [B·L·n·n] visible energy per cell [GeV]. */
  visible: Float32Array;
  /** [B·L] visible energy per layer [GeV]. */
  visibleLayers: Float32Array;
  leakLongitudinalGeV: Float32Array;
  leakLateralGeV: Float32Array;
  tmax: Float32Array;
  alpha: Float32Array;
  /** Mip sampling fraction per layer and the e/mip ratio. */
  samplingFraction: Float32Array;
  eHat: number;
}

/**
 * Simulates showers of a gun in a calorimeter.
 *
 * @example
 * ```ts
 * const calo = calorimeter({ absorber: 'Pb', active: 'LAr', nLayers: 30, absorberCm: 0.2, activeCm: 0.4, cellSizeCm: 2 });
 * const ev = simulateShowers(calo, { particle: 'electron', energyGeV: 10, count: 100 }, prngKey(1));
 * // ev.visibleLayers: 100 × 30 layer sums [GeV]
 * ```
 */
export function simulateShowers(calo: Calorimeter, gun: ParticleGun, key: PRNGKey, options: ShowerOptions = {}): ShowerEvents {
  const energies = Array.isArray(gun.energyGeV) ? gun.energyGeV : Array.from({ length: gun.count ?? 1 }, () => gun.energyGeV as number);
  if (energies.length === 0) throw new DomainError('energyGeV', gun.energyGeV, 'needs at least one shower');
  const B = energies.length;
  const d = calo.design;
  const randoms = drawShowerRandoms(key, B, d);
  return tf.tidy(() => {
    const geo = caloTensors(calo);
    const r = showerTensors(
      d,
      geo,
      {
        particle: gun.particle,
        energyGeV: tf.tensor1d(energies),
        thetaRad: gun.thetaRad === undefined ? undefined : tf.fill([B], gun.thetaRad),
        xCm: gun.xCm === undefined ? undefined : tf.fill([B], gun.xCm),
        yCm: gun.yCm === undefined ? undefined : tf.fill([B], gun.yCm),
      },
      randoms,
      options,
    );
    return {
      batch: B,
      nLayers: d.nLayers,
      cellsPerSide: d.cellsPerSide,
      energyGeV: Float32Array.from(energies),
      deposited: r.deposited.dataSync() as Float32Array,
      visible: r.visible.dataSync() as Float32Array,
      visibleLayers: r.visibleLayers.dataSync() as Float32Array,
      leakLongitudinalGeV: r.leakLongitudinalGeV.dataSync() as Float32Array,
      leakLateralGeV: r.leakLateralGeV.dataSync() as Float32Array,
      tmax: r.tmax.dataSync() as Float32Array,
      alpha: r.alpha.dataSync() as Float32Array,
      samplingFraction: r.medium.samplingFraction.dataSync() as Float32Array,
      eHat: r.medium.eHat,
    };
  });
}
