/**
 * Training and test samples from the calorimeter simulation: showers of a
 * particle at given energies, simulated in chunks (bounded memory; the key
 * is folded per chunk, so a sample is reproducible from its seed) and turned
 * into cell sets and/or images.
 */
import { DomainError, type PRNGKey } from '../../autodiff/index.js';
import { simulateShowers, type Calorimeter } from '../../sim/calo/index.js';
import { concatInputs, type HostInputs } from './host-array.js';
import { caloCellSets, type CellSetOptions } from './cell-sets.js';
import { caloImages, type CaloImageOptions } from './calo-images.js';

/** What to build from the showers. */
export interface ShowerSampleOptions {
  /** Build `features` and `mask` (cell sets) with these options. */
  sets?: CellSetOptions;
  /** Build `images` with these options. */
  images?: CaloImageOptions;
  /** Showers per simulation call. Default 500. */
  chunk?: number;
}

/** A sample: network inputs, true energies and (if asked) the summed visible energy. */
export interface ShowerSample {
  inputs: HostInputs;
  energyGeV: Float32Array;
  /** Visible energy summed over all cells [GeV] (the classical estimator's input). */
  visibleSumGeV: Float32Array;
}

/**
 * Simulates `particle` showers at `energiesGeV` and builds the inputs.
 *
 * @example
 * ```ts
 * const e = sampleEnergies({ minGeV: 1, maxGeV: 32, index: 1 }, 200, prngKey(1));
 * const s = showerSample(calo, 'electron', e, prngKey(2), { sets: { sections: 6 }, images: { sections: 6 } });
 * // s.inputs.features [200, 64, 5], s.inputs.mask [200, 64], s.inputs.images [200, 7, 7, 6]
 * ```
 */
export function showerSample(calo: Calorimeter, particle: 'electron' | 'photon', energiesGeV: ArrayLike<number>, key: PRNGKey, opts: ShowerSampleOptions = {}): ShowerSample {
  if (particle !== 'electron' && particle !== 'photon') throw new DomainError('particle', particle, "must be 'electron' or 'photon'");
  if (!opts.sets && !opts.images) throw new DomainError('opts', opts, "asks for nothing: give 'sets' and/or 'images'");
  const n = energiesGeV.length;
  if (n === 0) throw new DomainError('energiesGeV', [], 'needs at least one energy');
  const chunk = opts.chunk ?? 500;
  if (!(Number.isInteger(chunk) && chunk >= 1)) throw new DomainError('chunk', chunk, 'must be a positive integer');
  const parts: HostInputs[] = [];
  const sums = new Float32Array(n);
  for (let c = 0, start = 0; start < n; c++, start += chunk) {
    const e = Array.from({ length: Math.min(chunk, n - start) }, (_, i) => energiesGeV[start + i]);
    const ev = simulateShowers(calo, { particle, energyGeV: e }, key.fold(`chunk-${c}`));
    const per = ev.nLayers * ev.cellsPerSide * ev.cellsPerSide;
    for (let b = 0; b < ev.batch; b++) {
      let s = 0;
      for (let k = 0; k < per; k++) s += ev.visible[b * per + k];
      sums[start + b] = s;
    }
    const part: HostInputs = {};
    if (opts.sets) {
      const sets = caloCellSets(ev, opts.sets);
      part.features = sets.features;
      part.mask = sets.mask;
    }
    if (opts.images) part.images = caloImages(ev, opts.images).images;
    parts.push(part);
  }
  return { inputs: concatInputs(parts), energyGeV: Float32Array.from(energiesGeV), visibleSumGeV: sums };
}
