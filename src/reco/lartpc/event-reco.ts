/**
 * Event reconstruction on the core: selection → 3D points → lifetime
 * correction → local charge density → Birks inversion (energy per hit) →
 * clustering → principal-axis track fit of the largest cluster → features.
 * Every output is a tensor differentiable in the reconstruction's
 * calibration constants, the geometry and (through the hits) the
 * simulation's parameters; the discrete choices (which hits form the main
 * cluster) are made on the host and can be held fixed (`plan`) so that
 * finite differences see the same function as autodiff.
 */
import { tf, type Tensor, DomainError, sigmoidCut } from '../../autodiff/index.js';
import { hitCount, selectHits, takeEntries, takeRows, type RecoHits } from './hits.js';
import type { RecoGeometry, RecoTensors } from './params.js';
import { selectionWeights } from './selection.js';
import { reconstructPoints, driftTimes, type PointConfig } from './points.js';
import { lifetimeCorrected, birksEnergy, birksDedx } from './charge-energy.js';
import { localChargeDensity, DENSITY_KERNEL_CM } from './local-density.js';
import { clusterHits } from './clustering.js';
import { principalAxis, softExtent, symmetricEigen3 } from './track-fit.js';
import { rangeToKineticEnergy } from './range-energy.js';
import { MUON_MASS_MEV } from './sim-imports.js';

/** Settings of the event reconstruction. */
export interface RecoConfig extends PointConfig {
  /** Kernel width of the local charge density [cm]. Default 1.5. */
  densityKernelCm?: number;
  /** Clustering link length [cm]. Default 1.5. */
  linkCm?: number;
  /** Temperature of the soft extent [cm]. Default 0.2. */
  extentTemperatureCm?: number;
  /** dE/dx above which a hit counts as shower-like [MeV/cm], and the soft width. Defaults 4 and 0.5. */
  showerDedxMeVPerCm?: number;
  showerDedxWidth?: number;
  /** Orientation of track directions: u·ref ≥ 0 (e.g. the beam). */
  reference?: [number, number, number];
  /** Fiducial box [cm]: a main cluster whose two ends lie inside it counts as contained (default: none is). */
  fiducial?: { x: [number, number]; y: [number, number]; z: [number, number] };
}

/** Per-event features, each a [nEvents] tensor. */
export interface EventFeatures {
  /** Calorimetric energy of all selected hits [MeV]. */
  energyMeV: Tensor;
  /** Soft extent of the largest cluster along its axis [cm]. */
  extentCm: Tensor;
  /** √(12 λ₁) of the largest cluster [cm]. */
  rmsLengthCm: Tensor;
  /** λ₁/trace of the largest cluster (1 = a straight line). */
  principalFraction: Tensor;
  /** Transverse rms of the largest cluster [cm]. */
  transverseRmsCm: Tensor;
  /** Hit-weighted mean of the local dE/dx [MeV/cm]. */
  meanDedx: Tensor;
  /** Weighted fraction of hits with local dE/dx above the shower threshold. */
  showerFraction: Tensor;
  /** [nEvents, 3] direction of the largest cluster. */
  direction: Tensor;
  /** Calorimetric energy of the largest cluster [MeV]. */
  mainEnergyMeV: Tensor;
  /**
   * Neutrino energy under the muon hypothesis [MeV]: for a contained event,
   * with the track the hits of the largest cluster within TRACK_RADIUS_CM of
   * an axis fitted to the hit positions (unit weights, refined twice), the
   * CSDA kinetic energy of a muon of the track's extent + m_μ + the
   * calorimetric energy of every other hit (the hadronic system); otherwise
   * the calorimetric energy + m_μ (a lower bound: the muon leaves).
   */
  muonHypothesisEnergyMeV: Tensor;
}

/** The host decisions of a reconstruction (hits of each event and of its largest cluster). */
export interface RecoPlan {
  eventHits: Int32Array[];
  mainHits: Int32Array[];
  /** 1 if every selected hit of the event lies in the fiducial box. */
  contained: Uint8Array;
  /** Positions (within `mainHits`) of the hits within TRACK_RADIUS_CM of the largest cluster's axis. */
  trackHits: Int32Array[];
}

/** Hits of the largest cluster within this distance of its axis form the track (the muon candidate) [cm]. */
export const TRACK_RADIUS_CM = 2;

const FEATURE_NAMES = ['energyMeV', 'extentCm', 'rmsLengthCm', 'principalFraction', 'transverseRmsCm', 'meanDedx', 'showerFraction', 'mainEnergyMeV', 'muonHypothesisEnergyMeV'] as const;

function inside(b: NonNullable<RecoConfig['fiducial']>, x: number, y: number, z: number): boolean {
  return x >= b.x[0] && x <= b.x[1] && y >= b.y[0] && y <= b.y[1] && z >= b.z[0] && z <= b.z[1];
}

/**
 * Reconstructs `nEvents` events from their hits (tensor level, caller's tidy).
 * Returns the features and the plan used (pass it back to hold the
 * clustering fixed).
 *
 * @example
 * ```ts
 * const { features } = tf.tidy(() => reconstructEvents(hits, rt, geom, { tickUs: 0.1, cathodeZ: 0, anodeZHost: [-30.431, 30.431] }, 1));
 * ```
 */
export function reconstructEvents(h: RecoHits, r: RecoTensors, g: RecoGeometry, cfg: RecoConfig, nEvents: number, plan?: RecoPlan): { features: EventFeatures; plan: RecoPlan } {
  if (!(Number.isInteger(nEvents) && nEvents >= 1)) throw new DomainError('nEvents', nEvents, 'must be a positive integer');
  const n = hitCount(h);
  const c = r.calibration;
  let eventHits = plan?.eventHits;
  if (!eventHits) {
    const lists: number[][] = Array.from({ length: nEvents }, () => []);
    for (let i = 0; i < n; i++) {
      const e = h.event[i];
      if (!(e >= 0 && e < nEvents)) throw new DomainError(`hits.event[${i}]`, e, `must be an event index in [0, ${nEvents - 1}]`);
      lists[e].push(i);
    }
    eventHits = lists.map((l) => Int32Array.from(l));
  }
  const mainHits: Int32Array[] = [];
  const contained = new Uint8Array(nEvents);
  const trackHits: Int32Array[] = [];
  const rows: Record<string, Tensor[]> = Object.fromEntries(FEATURE_NAMES.map((k) => [k, [] as Tensor[]]));
  const dirs: Tensor[] = [];
  const zero = tf.scalar(0);
  for (let e = 0; e < nEvents; e++) {
    const idx = eventHits[e];
    const sub = selectHits(h, idx);
    const w = selectionWeights(sub, r.selection.threshold, r.selection.width);
    const t = driftTimes(sub, c.t0, cfg);
    const xyz = reconstructPoints(sub, g, c.vdrift, c.t0, cfg);
    const qc = lifetimeCorrected(sub.charge, t, c.lifetime);
    const qw = tf.mul(w, qc);
    const lam = localChargeDensity(xyz, qw, cfg.densityKernelCm ?? DENSITY_KERNEL_CM);
    const dE = birksEnergy(qc, lam, c.efield, c.Ab, c.kb);
    const dEdx = birksDedx(lam, c.efield, c.Ab, c.kb);
    const wsum = tf.add(tf.sum(w), 1e-6);
    const eCal = tf.sum(tf.mul(w, dE));
    rows.energyMeV.push(eCal);
    rows.meanDedx.push(tf.div(tf.sum(tf.mul(w, dEdx)), wsum));
    const shower = sigmoidCut(dEdx, cfg.showerDedxMeVPerCm ?? 4, 1 / (cfg.showerDedxWidth ?? 0.5));
    rows.showerFraction.push(tf.div(tf.sum(tf.mul(w, shower)), wsum));
    let main = plan?.mainHits[e];
    if (!main) {
      const cl = clusterHits(xyz.dataSync(), w.dataSync(), qc.dataSync(), cfg.linkCm ?? 1.5);
      const l: number[] = [];
      for (let i = 0; i < cl.label.length; i++) if (cl.label[i] === 0) l.push(i);
      main = Int32Array.from(l);
    }
    mainHits.push(main);
    if (main.length >= 3) {
      const ax = principalAxis(takeRows(xyz, main), takeEntries(qw, main), cfg.reference);
      const extent = softExtent(ax.projection, takeEntries(w, main), cfg.extentTemperatureCm ?? 0.2);
      rows.extentCm.push(extent);
      const eMain = tf.sum(tf.mul(takeEntries(w, main), takeEntries(dE, main)));
      rows.mainEnergyMeV.push(eMain);
      let track = plan?.trackHits[e];
      let isIn = plan?.contained[e];
      if (track === undefined || isIn === undefined) {
        // host decisions. Contained: every selected hit of the event inside the fiducial box.
        const pe = xyz.dataSync();
        const we = w.dataSync();
        isIn = cfg.fiducial ? 1 : 0;
        for (let i = 0; i < we.length && isIn; i++) if (we[i] > 0.5 && !inside(cfg.fiducial as NonNullable<RecoConfig['fiducial']>, pe[3 * i], pe[3 * i + 1], pe[3 * i + 2])) isIn = 0;
        // The track: hits within TRACK_RADIUS_CM of an axis fitted to hit positions (unit weights, so the
        // longest particle dominates), refined twice on the hits it keeps.
        const p3 = Array.from(main, (i) => [pe[3 * i], pe[3 * i + 1], pe[3 * i + 2]]);
        let keep = p3.map((_, i) => i);
        for (let it = 0; it < 3 && keep.length >= 3; it++) {
          const c0 = [0, 1, 2].map((k) => keep.reduce((a, i) => a + p3[i][k], 0) / keep.length);
          const C = new Array(9).fill(0);
          for (const i of keep) for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) C[3 * a + b] += (p3[i][a] - c0[a]) * (p3[i][b] - c0[b]);
          const u = symmetricEigen3(C).vectors[0];
          keep = p3.map((_, i) => i).filter((i) => {
            const d = [0, 1, 2].map((k) => p3[i][k] - c0[k]);
            const s0 = d[0] * u[0] + d[1] * u[1] + d[2] * u[2];
            return d[0] ** 2 + d[1] ** 2 + d[2] ** 2 - s0 * s0 <= TRACK_RADIUS_CM * TRACK_RADIUS_CM;
          });
        }
        track = Int32Array.from(keep);
        if (track.length < 3) isIn = 0;
      }
      trackHits.push(track);
      contained[e] = isIn;
      if (isIn) {
        const ti = Int32Array.from(track, (k) => main[k]);
        const wt = takeEntries(w, ti);
        const tax = principalAxis(takeRows(xyz, ti), wt, cfg.reference);
        const trackExtent = softExtent(tax.projection, wt, cfg.extentTemperatureCm ?? 0.2);
        const eTrack = tf.sum(tf.mul(wt, takeEntries(dE, ti)));
        rows.muonHypothesisEnergyMeV.push(tf.addN([rangeToKineticEnergy('muon', trackExtent.reshape([1])).reshape([]), tf.scalar(MUON_MASS_MEV), tf.sub(eCal, eTrack)]));
      } else rows.muonHypothesisEnergyMeV.push(tf.add(eCal, MUON_MASS_MEV));
      rows.rmsLengthCm.push(ax.rmsLength);
      rows.principalFraction.push(ax.principalFraction);
      rows.transverseRmsCm.push(ax.transverseRms);
      dirs.push(ax.direction);
    } else {
      for (const k of ['extentCm', 'rmsLengthCm', 'principalFraction', 'transverseRmsCm', 'mainEnergyMeV']) rows[k].push(zero);
      rows.muonHypothesisEnergyMeV.push(tf.add(eCal, MUON_MASS_MEV));
      trackHits.push(new Int32Array(0));
      dirs.push(tf.zeros([3]));
    }
  }
  const features = Object.fromEntries(FEATURE_NAMES.map((k) => [k, tf.stack(rows[k])])) as unknown as EventFeatures;
  features.direction = tf.stack(dirs);
  return { features, plan: { eventHits, mainHits, contained, trackHits } };
}
