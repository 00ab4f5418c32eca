/**
 * Adapter from the LArTPC simulation to the reconstruction's hits, for
 * chains differentiated end to end. `planEvent` does the host work once at a
 * parameter point (clean and clip the segments, plan the sparse windows, run
 * the trigger logic); `simulatedHits` then evaluates the relaxed simulation
 * (readout + relaxed electronics) at any parameter tensors with that plan and
 * trigger schedule held. Held plan and schedule are what make finite
 * differences and autodiff describe the same function (the simulation's own
 * convention, docs/lartpc.md); the windows carry 5 σ margins (plus
 * `pixelMargin` pixels), so small parameter moves lose no charge.
 */
import { tf, type PRNGKey } from '../../autodiff/index.js';
import {
  cleanSegments,
  planReadout,
  simulateReadout,
  asLArTPCTensors,
  electronicsRelaxed,
  triggerSchedule,
  pixelCoords,
  type Segments,
  type SimConfig,
  type LArTPCValues,
  type LArTPCTensors,
  type ReadoutPlan,
  type HitSchedule,
  type ParamSetLike,
} from './sim-imports.js';
import type { RecoHits } from './hits.js';

/** One event planned at a parameter point. */
export interface PlannedEvent {
  /** Segments after cleaning/clipping at the planning point (held). */
  segments: Segments;
  plan: ReadoutPlan;
  schedule: HitSchedule;
  /** Pixel coordinates of each readout row. */
  rows: { tpc: Int32Array; ix: Int32Array; iy: Int32Array };
  eventId: number;
  key?: PRNGKey;
}

/**
 * Plans one event's readout and trigger schedule at the values `v` (host).
 * `key` is the electronics-noise key of the event (common random numbers:
 * the same key gives the same draws at every parameter point).
 */
export function planEvent(seg: Segments, ps: ParamSetLike, v: LArTPCValues, c: SimConfig, opts: { key?: PRNGKey; eventId?: number } = {}): PlannedEvent {
  const { segments } = cleanSegments(seg, v, c);
  const plan = planReadout(segments, v, c);
  const host = tf.tidy(() => simulateReadout(segments, asLArTPCTensors(ps.constantTree()), plan, c).dataSync() as Float32Array);
  const schedule = triggerSchedule(host, plan.layout, v, { key: opts.key }, true);
  const nr = plan.layout.pixels.length;
  const rows = { tpc: new Int32Array(nr), ix: new Int32Array(nr), iy: new Int32Array(nr) };
  for (let r = 0; r < nr; r++) {
    const p = pixelCoords(plan.layout.pixels[r], c);
    rows.tpc[r] = p.tpc;
    rows.ix[r] = p.ix;
    rows.iy[r] = p.iy;
  }
  return { segments, plan, schedule, rows, eventId: opts.eventId ?? 0, key: opts.key };
}

/**
 * The relaxed hits of a planned event under the parameter tensors `p`
 * (tensor level, caller's tidy): charges and trigger weights are
 * differentiable in every physics, geometry and electronics parameter.
 *
 * @example
 * ```ts
 * const ev = planEvent(seg, ps, valuesOf(ps), config, { key });
 * const hits = tf.tidy(() => simulatedHits(ev, asLArTPCTensors(ps.constantTree()), config));
 * ```
 */
export function simulatedHits(ev: PlannedEvent, p: LArTPCTensors, c: SimConfig): RecoHits {
  const s = ev.schedule;
  const n = s.row.length;
  const readout = simulateReadout(ev.segments, p, ev.plan, c);
  const r = electronicsRelaxed(readout, ev.plan.layout, p, undefined as unknown as LArTPCValues, { key: ev.key, schedule: s });
  const pick = (a: Int32Array) => Int32Array.from(s.row, (row) => a[row]);
  return { charge: r.charge, weight: r.weight, event: new Int32Array(n).fill(ev.eventId), tpc: pick(ev.rows.tpc), ix: pick(ev.rows.ix), iy: pick(ev.rows.iy), tick: Int32Array.from(s.tick) };
}
