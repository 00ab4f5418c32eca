/**
 * Random keys in the manner of JAX: a key is an immutable pair of 32-bit
 * words; `split` and `fold` derive new keys by hashing, so two stages given
 * different keys never share a stream, and a run is reproducible from one
 * seed. Numbers are drawn from seedrandom's xor4096 generator seeded by the
 * key, in float64 on the host, so the same key gives the same numbers on
 * every backend.
 */
import seedrandom from 'seedrandom';
import { DiffhepError } from '../errors.js';
import { fmix32 } from './hash.js';

function hashPair(a: number, b: number, c: number): [number, number] {
  const x = fmix32((a ^ Math.imul(c + 0x9e3779b9, 0x27d4eb2f)) >>> 0);
  const y = fmix32((b + Math.imul(x ^ c, 0x165667b1) + 0x6a09e667) >>> 0);
  return [fmix32((x ^ Math.imul(y, 0x9e3779b1)) >>> 0), y];
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h >>> 0);
}

/** An immutable random key. */
export class PRNGKey {
  private constructor(
    readonly hi: number,
    readonly lo: number,
  ) {}

  /** A key from an integer or string seed. */
  static fromSeed(seed: number | string): PRNGKey {
    if (typeof seed === 'number') {
      if (!Number.isFinite(seed)) throw new DiffhepError(`seed must be a finite number, got ${seed}`, 'seed');
      const lo = seed >>> 0;
      const hi = Math.floor(seed / 4294967296) >>> 0;
      const [a, b] = hashPair(hi, lo, 0x5eed);
      return new PRNGKey(a, b);
    }
    const [a, b] = hashPair(hashString(seed), hashString(seed + '\u0001'), 0x5eed);
    return new PRNGKey(a, b);
  }

  /** `n` new keys, independent of each other and of this one. */
  split(n = 2): PRNGKey[] {
    if (!(Number.isInteger(n) && n >= 1)) throw new DiffhepError(`split count must be a positive integer, got ${n}`, 'n');
    return Array.from({ length: n }, (_, i) => {
      const [a, b] = hashPair(this.hi, this.lo, (i + 1) >>> 0);
      return new PRNGKey(a, b);
    });
  }

  /** A key derived from this one and some data (a stage name, an event index). */
  fold(data: number | string): PRNGKey {
    if (typeof data === 'number' && !Number.isFinite(data)) throw new DiffhepError(`fold data must be a finite number or a string, got ${data}`, 'data');
    // Integers (event indices) by their bits; other numbers by their decimal form, so 1.5 and 1 differ.
    const d = typeof data === 'string' ? hashString(data) : Number.isInteger(data) ? fmix32((data >>> 0) ^ Math.floor(data / 4294967296)) : hashString(`#${data}`);
    const [a, b] = hashPair(this.hi ^ 0xa5a5a5a5, this.lo, d);
    return new PRNGKey(a, b);
  }

  /** A float64 generator of uniforms in [0, 1) seeded by this key. */
  stream(): () => number {
    const rng = seedrandom.xor4096(`${this.hi.toString(16)}:${this.lo.toString(16)}`);
    return () => rng.double();
  }

  /** `n` uniforms in (0, 1), never exactly 0 (safe for logarithms). */
  uniforms(n: number): Float64Array {
    const next = this.stream();
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let u = next();
      while (u === 0) u = next();
      out[i] = u;
    }
    return out;
  }

  /** `n` standard normal draws (Box-Muller, both outputs used). */
  normals(n: number): Float64Array {
    const next = this.stream();
    const out = new Float64Array(n);
    for (let i = 0; i < n; i += 2) {
      let u1 = next();
      while (u1 === 0) u1 = next();
      const u2 = next();
      const r = Math.sqrt(-2 * Math.log(u1));
      out[i] = r * Math.cos(2 * Math.PI * u2);
      if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
    }
    return out;
  }

  /** Serializable form, for checkpoints. */
  toJSON(): [number, number] {
    return [this.hi, this.lo];
  }

  /** Inverse of toJSON. */
  static fromJSON(j: unknown): PRNGKey {
    if (!Array.isArray(j) || j.length !== 2 || !j.every((v) => Number.isInteger(v) && v >= 0 && v < 4294967296)) {
      throw new DiffhepError(`not a random key: ${JSON.stringify(j)} (expected [uint32, uint32])`, 'key');
    }
    return new PRNGKey(j[0], j[1]);
  }

  toString(): string {
    return `PRNGKey(${this.hi.toString(16)}, ${this.lo.toString(16)})`;
  }
}

/** Shorthand for `PRNGKey.fromSeed`. */
export function prngKey(seed: number | string): PRNGKey {
  return PRNGKey.fromSeed(seed);
}
