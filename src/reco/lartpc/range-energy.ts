/**
 * Range-based kinetic energy of stopping muons and protons: the CSDA range
 * R(T) = ∫₀ᵀ dT′ / (dE/dx)(T′) in liquid argon with the Bethe formula the
 * simulation's track generator uses (PDG Review "Passage of particles
 * through matter", eq. 34.5, I = 188 eV; src/sim/lartpc/generator.ts),
 * tabulated on the host at 400 log-spaced energies from 0.1 MeV to 20 GeV
 * (below 0.1 MeV: R ∝ T^1.75, a Bragg–Kleeman power law joined at the first
 * node), and inverted by piecewise-linear interpolation of ln T in ln R
 * (tensor level, differentiable in R; the interval of each range is chosen on
 * the host, like a bin index).
 */
import { tf, type Tensor, DomainError } from '../../autodiff/index.js';
import { betheBloch, MUON_MASS_MEV, PROTON_MASS_MEV } from './sim-imports.js';

/** Particles with a range table. */
export type RangeParticle = 'muon' | 'proton';

const MASS: Record<RangeParticle, number> = { muon: MUON_MASS_MEV, proton: PROTON_MASS_MEV };
const T_MIN_MEV = 0.1;
const T_MAX_MEV = 20000;
const NODES = 400;
const BRAGG_KLEEMAN_P = 1.75;

interface RangeTable {
  lnT: Float64Array;
  lnR: Float64Array;
}

const tables = new Map<RangeParticle, RangeTable>();

/**
 * The CSDA table of a particle (ln T [MeV], ln R [cm]), built once.
 *
 * @example
 * ```ts
 * rangeTable('muon').lnR.length; // 400
 * ```
 */
export function rangeTable(particle: RangeParticle): RangeTable {
  const have = tables.get(particle);
  if (have) return have;
  const m = MASS[particle];
  if (m === undefined) throw new DomainError('particle', particle, "must be 'muon' or 'proton'");
  const lnT = new Float64Array(NODES);
  const lnR = new Float64Array(NODES);
  const a = Math.log(T_MIN_MEV);
  const b = Math.log(T_MAX_MEV);
  // below T_MIN the power law R = R0 (T/T0)^p with dR/dT = 1/(dE/dx) at T0
  let R = T_MIN_MEV / (BRAGG_KLEEMAN_P * betheBloch(T_MIN_MEV, m));
  lnT[0] = a;
  lnR[0] = Math.log(R);
  for (let k = 1; k < NODES; k++) {
    lnT[k] = a + ((b - a) * k) / (NODES - 1);
    const t0 = Math.exp(lnT[k - 1]);
    const t1 = Math.exp(lnT[k]);
    // Simpson's rule on dT/(dE/dx) over [t0, t1]
    const tm = 0.5 * (t0 + t1);
    R += ((t1 - t0) / 6) * (1 / betheBloch(t0, m) + 4 / betheBloch(tm, m) + 1 / betheBloch(t1, m));
    lnR[k] = Math.log(R);
  }
  const t = { lnT, lnR };
  tables.set(particle, t);
  return t;
}

/**
 * CSDA range [cm] of kinetic energy T [MeV] (host, float64).
 *
 * @example
 * ```ts
 * csdaRangeCm('muon', 500); // ≈ 218 cm of liquid argon
 * ```
 */
export function csdaRangeCm(particle: RangeParticle, kineticMeV: number): number {
  if (!(kineticMeV > 0)) throw new DomainError('kineticMeV', kineticMeV, 'must be > 0 MeV');
  const { lnT, lnR } = rangeTable(particle);
  const x = Math.log(kineticMeV);
  if (x <= lnT[0]) return Math.exp(lnR[0] + BRAGG_KLEEMAN_P * (x - lnT[0]));
  const k = Math.min(NODES - 2, Math.floor(((x - lnT[0]) / (lnT[NODES - 1] - lnT[0])) * (NODES - 1)));
  const f = (x - lnT[k]) / (lnT[k + 1] - lnT[k]);
  return Math.exp(lnR[k] + f * (lnR[k + 1] - lnR[k]));
}

/**
 * Kinetic energy [MeV] from range [cm] (tensor [n] → [n]). Ranges beyond the
 * table (T > 20 GeV) extrapolate the last interval.
 *
 * @example
 * ```ts
 * rangeToKineticEnergy('proton', tf.tensor1d([10])); // ≈ 114.5 MeV
 * ```
 */
export function rangeToKineticEnergy(particle: RangeParticle, rangeCm: Tensor): Tensor {
  const { lnT, lnR } = rangeTable(particle);
  const r = rangeCm.dataSync();
  const n = r.length;
  const slope = new Float32Array(n);
  const icpt = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (!(r[i] > 0) || !Number.isFinite(r[i])) throw new DomainError(`rangeCm[${i}]`, r[i], 'must be finite and > 0 cm');
    const x = Math.log(r[i]);
    let k: number;
    let s: number;
    if (x <= lnR[0]) {
      s = 1 / BRAGG_KLEEMAN_P;
      k = 0;
    } else {
      let lo = 0;
      let hi = NODES - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (lnR[mid] <= x) lo = mid;
        else hi = mid;
      }
      k = lo;
      s = (lnT[k + 1] - lnT[k]) / (lnR[k + 1] - lnR[k]);
    }
    slope[i] = s;
    icpt[i] = lnT[k] - s * lnR[k];
  }
  return tf.exp(tf.add(tf.mul(tf.tensor1d(slope), tf.log(rangeCm)), tf.tensor1d(icpt)));
}
