/**
 * The full chain: segments -> recombination -> drift -> pixel response ->
 * readout -> electronics -> hits. `simulateReadout` is the differentiable
 * tensor-level core; `simulate` is the user-facing run on a ParamSet.
 */
import { tf, type Tensor, type ParamSet, type PRNGKey, type Tree, checkpoint, DiffhepError } from '../../autodiff/index.js';
import type { Segments } from './segments.js';
import type { SimConfig } from './config.js';
import type { LArTPCTensors, LArTPCValues } from './params.js';
import { planSegments, chunkResponse, type ChunkPlan } from './pixel-response.js';
import { layoutFromPlans, scatterIndex, scatterChunk, pixelCoords, type ReadoutLayout } from './readout.js';
import { electronicsHard, electronicsRelaxed, type HitList } from './electronics.js';
import { cleanSegments, type SegmentReport } from './validate.js';

/** Physical values of a ParamSet as the simulation's number tree. */
export function valuesOf(ps: ParamSet): LArTPCValues {
  const v = ps.values() as unknown as LArTPCValues;
  return { ...v, geometry: { ...v.geometry, anodeZ: ([] as number[]).concat(v.geometry.anodeZ as number[] | number) } };
}

/** A plan: the sparse windows of every chunk, the readout layout and the scatter indices. */
export interface ReadoutPlan {
  chunks: ChunkPlan[];
  layout: ReadoutLayout;
  index: Int32Array[];
  /** Window cells that fall outside the layout (off the pixel plane or the readout window). */
  discarded: number;
}

/**
 * Plans the readout of `seg` at values `v`. With `layout`, scatters into that
 * layout (cells outside it are discarded and counted) instead of the layout
 * of the windows.
 */
export function planReadout(seg: Segments, v: LArTPCValues, c: SimConfig, layout?: ReadoutLayout): ReadoutPlan {
  const chunks = planSegments(seg, v, c);
  const lay = layout ?? layoutFromPlans(chunks, c);
  let discarded = 0;
  const index = chunks.map((ch) => {
    const r = scatterIndex(ch, lay, c);
    discarded += r.discarded;
    return r.index;
  });
  return { chunks, layout: lay, index, discarded };
}

/**
 * The flat pixel x tick readout [electrons per tick] of `seg` under the
 * parameter tensors `p` (tensor level, caller's tidy). With `useCheckpoint`
 * each chunk's intermediates are recomputed in the backward pass instead of
 * being kept.
 */
export function simulateReadout(seg: Segments, p: LArTPCTensors, plan: ReadoutPlan, c: SimConfig, useCheckpoint = false): Tensor {
  const size = plan.layout.size;
  if (plan.chunks.length === 0) return tf.zeros([size]);
  const leaves = flatParams(p);
  // the leaves the pixel response reads (a checkpointed piece must use every input it is given)
  const names = Object.entries(GROUPS).flatMap(([g, ks]) => ks.map((k) => `${g}.${k}`));
  const used = new Set([
    ...(c.recombination === 'birks' ? ['recombination.Ab', 'recombination.kb'] : ['recombination.alpha', 'recombination.beta']),
    'drift.efield',
    c.vdrift === 'free' ? 'drift.vdrift' : 'drift.temperature',
    'drift.lifetime',
    'drift.DL',
    'drift.DT',
    'geometry.pitch',
    'geometry.xMin',
    'geometry.yMin',
    'geometry.anodeZ',
  ]);
  const pos = names.map((n, i) => (used.has(n) ? i : -1)).filter((i) => i >= 0);
  const parts = plan.chunks.map((ch, i) => {
    const f = (...xs: Tensor[]) => {
      const all = leaves.slice();
      pos.forEach((j, k) => (all[j] = xs[k]));
      return scatterChunk(chunkResponse(seg, ch, unflatParams(all), c), plan.index[i], size);
    };
    const inputs = pos.map((j) => leaves[j]);
    return useCheckpoint ? checkpoint(f)(...inputs) : f(...inputs);
  });
  return parts.length === 1 ? parts[0] : tf.addN(parts);
}

const GROUPS = {
  recombination: ['Ab', 'kb', 'alpha', 'beta'],
  drift: ['efield', 'vdrift', 'lifetime', 'DL', 'DT', 'temperature'],
  geometry: ['pitch', 'xMin', 'yMin', 'anodeZ'],
  electronics: ['gain', 'threshold', 'triggerSlope', 'resetNoise', 'uncorrelatedNoise', 'discriminatorNoise'],
} as const;

function flatParams(p: LArTPCTensors): Tensor[] {
  return Object.entries(GROUPS).flatMap(([g, ks]) => ks.map((k) => (p as unknown as Record<string, Record<string, Tensor>>)[g][k]));
}

function unflatParams(xs: Tensor[]): LArTPCTensors {
  let i = 0;
  const out: Record<string, Record<string, Tensor>> = {};
  for (const [g, ks] of Object.entries(GROUPS)) {
    out[g] = {};
    for (const k of ks) out[g][k] = xs[i++];
  }
  return out as unknown as LArTPCTensors;
}

/** Casts a parameter tree (from `ParamSet.physicalTree` or `constantTree`) to the simulation's. */
export function asLArTPCTensors(t: Tree<Tensor>): LArTPCTensors {
  const p = t as unknown as LArTPCTensors;
  for (const [g, ks] of Object.entries(GROUPS)) {
    for (const k of ks) {
      if (!(p as unknown as Record<string, Record<string, Tensor>>)[g]?.[k]) throw new DiffhepError(`parameter tree lacks '${g}.${k}'`, `${g}.${k}`);
    }
  }
  return p;
}

/** Options of `simulate`. */
export interface SimulateOptions {
  /** 'hard' (nominal, for data) or 'relaxed' (for gradients). Default 'hard'. */
  mode?: 'hard' | 'relaxed';
  /** Key of the electronics noise; without one, no noise. */
  key?: PRNGKey;
  /** Reject bad segments with an error instead of removing them. */
  strict?: boolean;
}

/** One hit with its pixel coordinates. */
export interface Hit {
  tpc: number;
  ix: number;
  iy: number;
  tick: number;
  charge: number;
  adc: number;
  weight: number;
}

/** What `simulate` returns: hits, the readout it came from, and the input report. */
export interface SimulationOutput {
  hits: Hit[];
  layout: ReadoutLayout;
  /** Flat noise-free readout [electrons per tick], see readout.ts. */
  readout: Float32Array;
  report: SegmentReport;
  discarded: number;
}

/**
 * Simulates segments under a parameter set: validates and clips the input,
 * plans the sparse windows, computes the readout and runs the electronics.
 *
 * @example
 * ```ts
 * const out = simulate(muonTrack(...), lartpcParams(), module0Config(), { key: prngKey(1) });
 * out.hits.length; // hits above threshold
 * ```
 */
export function simulate(seg: Segments, ps: ParamSet, c: SimConfig, opts: SimulateOptions = {}): SimulationOutput {
  const v = valuesOf(ps);
  const { segments, report } = cleanSegments(seg, v, c, { strict: opts.strict });
  const plan = planReadout(segments, v, c);
  let result: SimulationOutput | undefined;
  tf.tidy(() => {
    const p = asLArTPCTensors(ps.constantTree());
    const readout = simulateReadout(segments, p, plan, c);
    const host = readout.dataSync() as Float32Array;
    let list: HitList;
    if ((opts.mode ?? 'hard') === 'hard') list = electronicsHard(host, plan.layout, v, { key: opts.key });
    else {
      const r = electronicsRelaxed(readout, plan.layout, p, v, { key: opts.key });
      list = { row: r.schedule.row, tick: r.schedule.tick, charge: r.charge.dataSync() as Float32Array, adc: r.adc.dataSync() as Float32Array, weight: r.weight.dataSync() as Float32Array };
    }
    const hits: Hit[] = Array.from(list.row, (row, k) => ({ ...pixelCoords(plan.layout.pixels[row], c), tick: list.tick[k], charge: list.charge[k], adc: list.adc[k], weight: list.weight[k] }));
    result = { hits, layout: plan.layout, readout: Float32Array.from(host), report, discarded: plan.discarded };
  });
  return result as SimulationOutput;
}
