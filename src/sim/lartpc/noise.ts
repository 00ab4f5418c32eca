/**
 * Counter-based standard normal draws addressed by (key, stream, a, b): the
 * draw for a given pixel, tick or hit number is the same whatever else is
 * simulated, so data and simulation share noise exactly where they share
 * cells (common random numbers), and a readout of any shape can be filled
 * without advancing a sequential stream. The words are mixed from the
 * PRNGKey's two 32-bit words by the murmur3 finalizer; Box-Muller gives the
 * normal.
 */
import { fmix32, type PRNGKey } from '../../autodiff/index.js';

function mix(key: PRNGKey, stream: number, a: number, b: number, salt: number): number {
  let h = fmix32(key.hi ^ Math.imul(stream + 1, 0x9e3779b9));
  h = fmix32(h ^ key.lo ^ salt);
  h = fmix32(h ^ Math.imul(a + 0x632be5ab, 0x27d4eb2f));
  h = fmix32(h ^ Math.imul(b + 0x1b873593, 0x165667b1));
  return h;
}

/** Noise streams of the electronics. */
export const NOISE_STREAM = { discriminator: 1, reset: 2, uncorrelated: 3, readout: 4 } as const;

/** One standard normal draw for (key, stream, a, b). */
export function cellNormal(key: PRNGKey, stream: number, a: number, b: number): number {
  const u1 = (mix(key, stream, a, b, 0x2545f491) + 0.5) / 4294967296;
  const u2 = mix(key, stream, a, b, 0x7f4a7c15) / 4294967296;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
