/**
 * Fixed-point types with the exact semantics of Vitis HLS `ap_fixed<W,I,Q,O>`
 * and `ap_ufixed<W,I,Q,O>`: W total bits, I integer bits (including the sign
 * for signed types), so F = W - I >= 0 fractional bits (F exceeds W when I is
 * negative; I > W is an error). A value is held as its raw two's-complement
 * integer (a BigInt) scaled by 2^-F. Casting first quantizes (drops
 * fractional bits by the quantization mode, at unbounded width), then handles
 * overflow by the overflow mode.
 *
 * @example
 * ```ts
 * const t = parseFixed('ap_fixed<8,3,AP_RND,AP_SAT>');
 * fromNumber(1.30, t); // raw 42n: 1.3125 = 42 / 32
 * ```
 */
import { DomainError, NonFiniteError } from '../../autodiff/index.js';

/** Quantization modes (what happens to dropped fractional bits). */
export const QUANT_MODES = ['TRN', 'TRN_ZERO', 'RND', 'RND_ZERO', 'RND_MIN_INF', 'RND_INF', 'RND_CONV'] as const;
export type QuantMode = (typeof QUANT_MODES)[number];
/** Overflow modes (what happens to values outside the representable range). */
export const OVERFLOW_MODES = ['WRAP', 'SAT', 'SAT_ZERO', 'SAT_SYM'] as const;
export type OverflowMode = (typeof OVERFLOW_MODES)[number];

/** A fixed-point type; `signed` false is ap_ufixed. */
export interface FixedType {
  readonly signed: boolean;
  readonly width: number;
  readonly integer: number;
  readonly quant: QuantMode;
  readonly overflow: OverflowMode;
}

/** Largest supported total width (bits). */
export const MAX_WIDTH = 64;

/** Builds and validates a fixed-point type; `field` names it in errors. */
export function fixedType(
  width: number,
  integer: number,
  opts: { signed?: boolean; quant?: QuantMode; overflow?: OverflowMode } = {},
  field = 'type',
): FixedType {
  if (!Number.isInteger(width) || width < 1 || width > MAX_WIDTH) {
    throw new DomainError(`${field}.W`, width, `W must be an integer in [1, ${MAX_WIDTH}]`);
  }
  // I may be negative (F > W: every value below 2^(I-1) in magnitude). I > W (F < 0, W < I) is
  // rejected as bad input: such a type is almost always W and I given in the wrong order.
  if (!Number.isInteger(integer) || integer < -1024 || integer > width) {
    throw new DomainError(`${field}.I`, integer, `I must be an integer in [-1024, W = ${width}] (I > W, i.e. W < I, is not supported)`);
  }
  const quant = opts.quant ?? 'TRN';
  const overflow = opts.overflow ?? 'WRAP';
  if (!QUANT_MODES.includes(quant)) throw new DomainError(`${field}.quant`, quant, `one of ${QUANT_MODES.join(', ')}`);
  if (!OVERFLOW_MODES.includes(overflow)) throw new DomainError(`${field}.overflow`, overflow, `one of ${OVERFLOW_MODES.join(', ')}`);
  return { signed: opts.signed ?? true, width, integer, quant, overflow };
}

/** Fractional bits F = W - I. */
export function fracBits(t: FixedType): number {
  return t.width - t.integer;
}

/**
 * Parses `ap_fixed<W,I[,AP_Q[,AP_O]]>` / `ap_ufixed<...>`, and the shorthand
 * `fixed<...>` / `ufixed<...>` (the `AP_` prefix of the modes is optional).
 */
export function parseFixed(text: string, field = 'precision'): FixedType {
  if (typeof text !== 'string') throw new DomainError(field, text, "expected a string 'ap_fixed<W,I[,Q[,O]]>'");
  const m = /^\s*(?:ap_)?(u?)fixed\s*<\s*(-?\d+)\s*,\s*(-?\d+)\s*(?:,\s*(?:AP_)?([A-Za-z_]+)\s*)?(?:,\s*(?:AP_)?([A-Za-z_]+)\s*)?>\s*$/.exec(text);
  if (!m) throw new DomainError(field, text, "expected 'ap_fixed<W,I[,Q[,O]]>', 'ap_ufixed<...>' or the shorthand 'fixed<W,I,Q,O>'");
  return fixedType(Number(m[2]), Number(m[3]), {
    signed: m[1] !== 'u',
    quant: (m[4] ?? 'TRN') as QuantMode,
    overflow: (m[5] ?? 'WRAP') as OverflowMode,
  }, field);
}

/** The C++ spelling of a type, `ap_fixed<16,6,AP_RND,AP_SAT>`. */
export function formatFixed(t: FixedType): string {
  const base = `ap_${t.signed ? '' : 'u'}fixed<${t.width},${t.integer}`;
  if (t.quant === 'TRN' && t.overflow === 'WRAP') return `${base}>`;
  if (t.overflow === 'WRAP') return `${base},AP_${t.quant}>`;
  return `${base},AP_${t.quant},AP_${t.overflow}>`;
}

/** Smallest and largest raw integers of a type. */
export function rawRange(t: FixedType): { min: bigint; max: bigint } {
  const w = BigInt(t.width);
  return t.signed ? { min: -(1n << (w - 1n)), max: (1n << (w - 1n)) - 1n } : { min: 0n, max: (1n << w) - 1n };
}

/** Drops `shift` > 0 low bits of `raw` by quantization mode `q`. */
function quantize(raw: bigint, shift: number, q: QuantMode): bigint {
  const s = BigInt(shift);
  const floor = raw >> s; // arithmetic shift: floor division
  const rem = raw - (floor << s); // 0 <= rem < 2^s
  if (rem === 0n) return floor;
  const half = 1n << (s - 1n);
  const neg = raw < 0n;
  switch (q) {
    case 'TRN':
      return floor;
    case 'TRN_ZERO':
      return neg ? floor + 1n : floor;
    case 'RND':
      return rem >= half ? floor + 1n : floor;
    case 'RND_ZERO':
      return rem > half || (rem === half && neg) ? floor + 1n : floor;
    case 'RND_MIN_INF':
      return rem > half ? floor + 1n : floor;
    case 'RND_INF':
      return rem > half || (rem === half && !neg) ? floor + 1n : floor;
    case 'RND_CONV':
      return rem > half || (rem === half && (floor & 1n) === 1n) ? floor + 1n : floor;
  }
}

/** Applies overflow mode to a raw integer at the target's fractional scale. */
function overflowRaw(q: bigint, t: FixedType): bigint {
  const { min, max } = rawRange(t);
  if (q >= min && q <= max && !(t.overflow === 'SAT_SYM' && t.signed && q === min)) return q;
  switch (t.overflow) {
    case 'WRAP':
      return t.signed ? BigInt.asIntN(t.width, q) : BigInt.asUintN(t.width, q);
    case 'SAT':
      return q > max ? max : min;
    case 'SAT_ZERO':
      return 0n;
    case 'SAT_SYM':
      return q > max ? max : t.signed ? -max : min;
  }
}

/**
 * Casts a raw value with `srcFrac` fractional bits to type `t` (raw result),
 * exactly as an assignment of ap_fixed types does.
 */
export function castRaw(raw: bigint, srcFrac: number, t: FixedType): bigint {
  const shift = srcFrac - fracBits(t);
  const q = shift > 0 ? quantize(raw, shift, t.quant) : raw << BigInt(-shift);
  return overflowRaw(q, t);
}

/** Exact raw representation of a finite double: `{ raw, frac }` with value raw * 2^-frac. */
export function exactRaw(x: number, field = 'value'): { raw: bigint; frac: number } {
  if (typeof x !== 'number' || Number.isNaN(x)) throw new DomainError(field, x, 'a value to cast must be a number, not NaN');
  if (!Number.isFinite(x)) throw new NonFiniteError(field, x);
  if (x === 0) return { raw: 0n, frac: 0 };
  // A double is m * 2^e with |m| < 2^53; scale by 2^1074 covers every subnormal.
  let frac = 0;
  let v = x;
  while (!Number.isInteger(v)) {
    v *= 2;
    frac++;
  }
  return { raw: BigInt(v), frac };
}

/** Casts a double to type `t` (raw result), as `ap_fixed<...> y = x;` does. */
export function fromNumber(x: number, t: FixedType, field = 'value'): bigint {
  const { raw, frac } = exactRaw(x, field);
  return castRaw(raw, frac, t);
}

/** The value of a raw integer with `frac` fractional bits, as a double (exact when it fits in 53 bits). */
export function rawToNumber(raw: bigint, frac: number): number {
  return Number(raw) * 2 ** -frac;
}

/** The value of a raw integer of type `t`. */
export function toNumber(raw: bigint, t: FixedType): number {
  return rawToNumber(raw, fracBits(t));
}

/** Smallest step (2^-F) and the representable value range of a type. */
export function typeRange(t: FixedType): { lsb: number; min: number; max: number } {
  const { min, max } = rawRange(t);
  return { lsb: 2 ** -fracBits(t), min: toNumber(min, t), max: toNumber(max, t) };
}
