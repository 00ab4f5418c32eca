/**
 * The random content of a chain evaluation, fixed by a key (common random
 * numbers): the generator's key, the accepted events (both photons in
 * |η| < η_max; the lab angles do not depend on the theory parameters, so the
 * acceptance is fixed for a key), the photons' impact points inside their
 * cell (uniform: the cell grid is fine compared with the spread of impact
 * points) and every random number of the showers.
 */
import { tf, PRNGKey, DomainError } from '../../src/autodiff/index.js';
import { drawShowerRandoms, type ShowerRandoms } from '../../src/sim/calo/index.js';
import { diphotonEvents, diphotonTheory } from '../../src/sim/generator/index.js';
import { SETUP } from './setup.js';
import { caloOf } from '../calo-design/objective.js';

/** A fixed event sample. */
export interface EventSample {
  generatorKey: PRNGKey;
  nSignal: number;
  nBackground: number;
  /** Indices of the accepted events among the generated ones (signal first). */
  accepted: Int32Array;
  /** Accepted signal events (the first nSignalAccepted of `accepted`). */
  nSignalAccepted: number;
  /** Polar angles of the two photons of each accepted event [rad]. */
  theta1: Float32Array;
  theta2: Float32Array;
  /** Impact point inside the cell, in cell sizes ∈ (−½, ½), photon 1 then photon 2 of each event ([2n]). */
  uOffset: Float32Array;
  vOffset: Float32Array;
  /** Shower random numbers of the 2n photons (photon 1 of every event, then photon 2). */
  randoms: ShowerRandoms;
}

/**
 * Draws the sample of `nSignal` + `nBackground` generated events from `key`.
 *
 * @example
 * ```ts
 * const sample = eventSample(prngKey(1).fold('fd'), 300, 600);
 * ```
 */
export function eventSample(key: PRNGKey, nSignal: number, nBackground: number): EventSample {
  for (const [f, v] of [['nSignal', nSignal], ['nBackground', nBackground]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new DomainError(f, v, 'must be a positive integer');
  }
  const [kGen, kOffset, kShower] = key.split(3);
  const t = SETUP.truth;
  const { cos1, cos2, isSignal } = tf.tidy(() => {
    const ev = diphotonEvents(diphotonTheory(t), kGen, { windowGeV: SETUP.windowGeV, nSignal, nBackground, signalYield: SETUP.signalYield, backgroundYield: SETUP.backgroundYield });
    return { cos1: ev.cos1.dataSync() as Float32Array, cos2: ev.cos2.dataSync() as Float32Array, isSignal: ev.isSignal };
  });
  const cosMax = Math.tanh(SETUP.etaMax); // |η| < η_max ⇔ |cos θ| < tanh η_max
  const acc: number[] = [];
  for (let i = 0; i < cos1.length; i++) if (Math.abs(cos1[i]) < cosMax && Math.abs(cos2[i]) < cosMax) acc.push(i);
  if (acc.length === 0) throw new DomainError('nSignal + nBackground', nSignal + nBackground, 'no event inside the acceptance');
  const accepted = Int32Array.from(acc);
  const n = accepted.length;
  const nSignalAccepted = acc.filter((i) => isSignal[i] === 1).length;
  const theta1 = Float32Array.from(accepted, (i) => Math.acos(cos1[i]));
  const theta2 = Float32Array.from(accepted, (i) => Math.acos(cos2[i]));
  const off = kOffset.uniforms(4 * n);
  const uOffset = Float32Array.from({ length: 2 * n }, (_, i) => off[i] - 0.5);
  const vOffset = Float32Array.from({ length: 2 * n }, (_, i) => off[2 * n + i] - 0.5);
  const design = caloOf({ absorberCm: 1, activeCm: 1, cellSizeCm: 1 }).design;
  return { generatorKey: kGen, nSignal, nBackground, accepted, nSignalAccepted, theta1, theta2, uOffset, vOffset, randoms: drawShowerRandoms(kShower, 2 * n, design) };
}
