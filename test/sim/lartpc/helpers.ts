import { tf, prngKey, type Tensor, type Tree } from '../../../src/autodiff/index.js';
import { lartpcParams, module0Config, randomTracks, concatSegments, valuesOf, type LArTPCTensors, type SimConfig, type Segments } from '../../../src/sim/lartpc/index.js';

/** A small detector: 24 x 24 pixels at the origin of x, y; module-0 anodes. */
export function smallConfig(over: Partial<SimConfig> = {}): SimConfig {
  return module0Config({ nx: 24, ny: 24, ...over });
}

/** Parameters with the pixel plane at x, y = 0. */
export function smallParams() {
  const ps = lartpcParams();
  ps.set('geometry.xMin', 0).set('geometry.yMin', 0);
  return ps;
}

/** A few tracks inside the small detector, in both TPCs. */
export function smallTracks(seed: number, n: number): Segments {
  const opts = { maxLengthCm: 2.5, stepCm: 0.4 };
  const a = randomTracks(prngKey(seed), Math.ceil(n / 2), { box: { x: [2, 8.5], y: [2, 8.5], z: [2, 27] }, ...opts });
  const b = randomTracks(prngKey(seed).fold(1), Math.floor(n / 2), { box: { x: [2, 8.5], y: [2, 8.5], z: [-27, -2] }, ...opts });
  return n > 1 ? concatSegments([a, b]) : a;
}

/** The simulation's tensor tree with some leaves replaced by the given tensors. */
export function withLeaves(base: LArTPCTensors, leaves: Record<string, Tensor>): LArTPCTensors {
  const out = JSON.parse('{}') as Record<string, Record<string, Tensor>>;
  for (const [g, obj] of Object.entries(base as unknown as Record<string, Record<string, Tensor>>)) out[g] = { ...obj };
  for (const [k, t] of Object.entries(leaves)) {
    const [g, n] = k.split('__');
    out[g][n] = t;
  }
  return out as unknown as LArTPCTensors;
}

export { valuesOf };
export type { Tree };
export { tf };
