import { tf, prngKey, type Tensor } from '../../../src/autodiff/index.js';
import { lartpcParams, module0Config, trackSegments, concatSegments, valuesOf, asLArTPCTensors, MODULE0, type Segments, type SimConfig, type LArTPCTensors } from '../../../src/sim/lartpc/index.js';
import { planEvent, simulatedHits, recoParams, type RecoHits, type RecoTensors, type RecoConfig, type PlannedEvent } from '../../../src/reco/lartpc/index.js';

/** Module-0 readout with 0.5 µs ticks (as the chain uses) and one margin pixel. */
export function config(): SimConfig {
  return module0Config({ tickUs: 0.5, nTicks: 400, pixelMargin: 1 });
}

export function recoCfg(c: SimConfig): RecoConfig {
  return { tickUs: c.tickUs, cathodeZ: c.cathodeZ, anodeZHost: [...MODULE0.anodeZCm], reference: [0, 1, 0] };
}

/** A muon track of `lengthCm` from `start` along `dir` (1 GeV: nearly constant dE/dx). */
export function muon(start: [number, number, number], dir: [number, number, number], lengthCm: number, eventId = 0): Segments {
  return trackSegments({ particle: 'muon', start, direction: dir, kineticMeV: 1000, maxLengthCm: lengthCm, stepCm: 0.5, eventId });
}

/** Plans and simulates the relaxed hits of segments (no noise unless a key is given). */
export function simulateHits(seg: Segments, opts: { key?: number; eventId?: number; lifetimeUs?: number } = {}): { ev: PlannedEvent; sim: LArTPCTensors; hits: RecoHits; c: SimConfig; ps: ReturnType<typeof lartpcParams> } {
  const c = config();
  const ps = lartpcParams();
  if (opts.lifetimeUs) ps.set('drift.lifetime', opts.lifetimeUs);
  const ev = planEvent(seg, ps, valuesOf(ps), c, { key: opts.key === undefined ? undefined : prngKey(opts.key), eventId: opts.eventId ?? 0 });
  const sim = asLArTPCTensors(ps.constantTree());
  const hits = simulatedHits(ev, sim, c);
  return { ev, sim, hits, c, ps };
}

export function recoTensors(o: Parameters<typeof recoParams>[0] = {}): RecoTensors {
  return recoParams(o).constantTree() as unknown as RecoTensors;
}

export function concatHits(hs: RecoHits[]): RecoHits {
  const cat = (f: 'event' | 'tpc' | 'ix' | 'iy' | 'tick') => Int32Array.from(hs.flatMap((h) => Array.from(h[f])));
  return { charge: tf.concat(hs.map((h) => h.charge)), weight: tf.concat(hs.map((h) => h.weight)), event: cat('event'), tpc: cat('tpc'), ix: cat('ix'), iy: cat('iy'), tick: cat('tick') };
}

export function num(t: Tensor): number[] {
  return Array.from(t.dataSync());
}

export { concatSegments, tf };
