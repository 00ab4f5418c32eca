/**
 * The detector part of the chain: neutrino events → relaxed LArTPC
 * simulation → reconstruction → per-event reconstructed energy and
 * electron-like score. Tensor level where stated; every event has its own
 * noise key (the run key folded by the event index), so two detector points
 * see the same noise draws (common random numbers).
 */
import { tf, type Tensor, type PRNGKey, sigmoidCut, DomainError } from '../../src/autodiff/index.js';
import { valuesOf, type LArTPCTensors, type SimConfig, type Segments } from '../../src/sim/lartpc/index.js';
import { planEvent, simulatedHits, reconstructEvents, type PlannedEvent, type RecoTensors, type RecoConfig, type RecoPlan, type RecoHits, type EventFeatures } from '../../src/reco/lartpc/index.js';
import type { ParamSet } from '../../src/autodiff/index.js';

/** Electron-like score: σ((shower fraction − cut)/width), the fraction of hits with local dE/dx above 4 MeV/cm. */
export interface ScoreConfig {
  cut: number;
  width: number;
}

export const DEFAULT_SCORE: ScoreConfig = { cut: 0.55, width: 0.05 };

/** Plans every event of a list at the detector point `ps` (host; the windows and trigger schedules are then held). */
export function planEvents(events: Segments[], ps: ParamSet, c: SimConfig, key: PRNGKey): PlannedEvent[] {
  const v = valuesOf(ps);
  return events.map((seg, i) => planEvent(seg, ps, v, c, { key: key.fold(i), eventId: i }));
}

/** Hits of all planned events, concatenated, under the simulation tensors `sim` (tensor level). */
export function chainHits(planned: PlannedEvent[], sim: LArTPCTensors, c: SimConfig): RecoHits {
  // events are numbered by their position in `planned` (a batch of a larger sample)
  const hs = planned.map((ev, k) => {
    const h = simulatedHits(ev, sim, c);
    return { ...h, event: new Int32Array(h.event.length).fill(k) };
  });
  const cat = (f: 'event' | 'tpc' | 'ix' | 'iy' | 'tick') => {
    const out = new Int32Array(hs.reduce((s, h) => s + h[f].length, 0));
    let k = 0;
    for (const h of hs) {
      out.set(h[f], k);
      k += h[f].length;
    }
    return out;
  };
  return { charge: tf.concat(hs.map((h) => h.charge)), weight: tf.concat(hs.map((h) => h.weight)), event: cat('event'), tpc: cat('tpc'), ix: cat('ix'), iy: cat('iy'), tick: cat('tick') };
}

/** Per-event observables of the chain (tensors [n]). */
export interface ChainObservables {
  energyGeV: Tensor;
  score: Tensor;
  features: EventFeatures;
  plan: RecoPlan;
}

/**
 * Simulates and reconstructs the planned events (tensor level): reconstructed
 * energy (calorimetric: all selected hits) and electron-like score.
 */
export function chainObservables(planned: PlannedEvent[], sim: LArTPCTensors, reco: RecoTensors, c: SimConfig, rc: RecoConfig, score: ScoreConfig, plan?: RecoPlan): ChainObservables {
  if (planned.length === 0) throw new DomainError('events', 0, 'need at least one event');
  const hits = chainHits(planned, sim, c);
  const r = reconstructEvents(hits, reco, sim.geometry, rc, planned.length, plan);
  return { energyGeV: tf.div(r.features.energyMeV, 1000), score: sigmoidCut(r.features.showerFraction, score.cut, 1 / score.width), features: r.features, plan: r.plan };
}

/** Events per batch: the reconstruction's n² kernels and the tape of one batch bound the memory. */
export const BATCH_EVENTS = 16;

/** Consecutive batches of a list. */
export function batches<T>(xs: T[], size = BATCH_EVENTS): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** The observables as plain numbers (forward passes, batch by batch). */
export function observablesAt(
  planned: PlannedEvent[],
  sim: LArTPCTensors,
  reco: RecoTensors,
  c: SimConfig,
  rc: RecoConfig,
  score: ScoreConfig,
): { energyGeV: number[]; score: number[]; showerFraction: number[]; meanDedx: number[]; extentCm: number[]; muonHypothesisGeV: number[]; contained: number[] } {
  const out = { energyGeV: [] as number[], score: [] as number[], showerFraction: [] as number[], meanDedx: [] as number[], extentCm: [] as number[], muonHypothesisGeV: [] as number[], contained: [] as number[] };
  for (const b of batches(planned)) {
    tf.tidy(() => {
      const o = chainObservables(b, sim, reco, c, rc, score);
      out.energyGeV.push(...o.energyGeV.dataSync());
      out.score.push(...o.score.dataSync());
      out.showerFraction.push(...o.features.showerFraction.dataSync());
      out.meanDedx.push(...o.features.meanDedx.dataSync());
      out.extentCm.push(...o.features.extentCm.dataSync());
      out.muonHypothesisGeV.push(...Array.from(o.features.muonHypothesisEnergyMeV.dataSync(), (v) => v / 1000));
      out.contained.push(...o.plan.contained);
    });
  }
  return out;
}
