/**
 * The ap_fixed cast against an independent reference written on doubles
 * (exact for the widths drawn here), for random values, widths and every
 * quantization and overflow mode; parsing and bad types.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyParams } from '../../src/autodiff/testing/index.js';
import { DomainError } from '../../src/autodiff/index.js';
import { castRaw, fracBits, fixedType, formatFixed, fromNumber, OVERFLOW_MODES, parseFixed, QUANT_MODES, type FixedType } from '../../src/hw/fixed/ap-fixed.js';
import { toNumber } from '../../src/hw/fixed/ap-fixed.js';

/** Reference: real value -> scaled by 2^F -> rounded by Math functions -> overflow by modular/clamp arithmetic. */
function refCast(raw: number, srcF: number, t: FixedType): number {
  const s = raw * 2 ** (t.width - t.integer - srcF);
  const fl = Math.floor(s);
  const d = s - fl;
  let q: number;
  switch (t.quant) {
    case 'TRN': q = fl; break;
    case 'TRN_ZERO': q = Math.trunc(s); break;
    case 'RND': q = Math.floor(s + 0.5); break;
    case 'RND_ZERO': q = d === 0.5 ? (s < 0 ? fl + 1 : fl) : Math.round(s); break;
    case 'RND_MIN_INF': q = d === 0.5 ? fl : Math.round(s); break;
    case 'RND_INF': q = d === 0.5 ? (s < 0 ? fl : fl + 1) : Math.round(s); break;
    case 'RND_CONV': q = d === 0.5 ? (fl % 2 === 0 ? fl : fl + 1) : Math.round(s); break;
  }
  const span = 2 ** t.width;
  const min = t.signed ? -(span / 2) : 0;
  const max = t.signed ? span / 2 - 1 : span - 1;
  const symMin = t.overflow === 'SAT_SYM' && t.signed ? -max : min;
  if (q >= symMin && q <= max) return q;
  switch (t.overflow) {
    case 'WRAP': return ((((q - min) % span) + span) % span) + min;
    case 'SAT': return q > max ? max : min;
    case 'SAT_ZERO': return 0;
    case 'SAT_SYM': return q > max ? max : symMin;
  }
}

const arbType = fc.record({
  width: fc.integer({ min: 1, max: 20 }),
  iOff: fc.integer({ min: -4, max: 24 }),
  signed: fc.boolean(),
  quant: fc.constantFrom(...QUANT_MODES),
  overflow: fc.constantFrom(...OVERFLOW_MODES),
}).map((r) => fixedType(r.width, Math.min(r.iOff, r.width), r)); // I <= W

/**
 * Second reference on exact rationals: the scaled value is num / den (den a
 * power of two); BigInt division truncates toward zero, and each mode is a
 * case analysis on the sign and on 2|rem| against den.
 */
function refCastRational(raw: bigint, srcF: number, t: FixedType): bigint {
  const k = fracBits(t) - srcF;
  const num = k >= 0 ? raw << BigInt(k) : raw;
  const den = k >= 0 ? 1n : 1n << BigInt(-k);
  const tz = num / den; // toward zero
  const rem = num - tz * den; // same sign as num
  const neg = num < 0n;
  const twice = 2n * (rem < 0n ? -rem : rem);
  const away = neg ? tz - 1n : tz + 1n;
  let q = tz;
  if (rem !== 0n) {
    const up = neg ? tz : tz + 1n; // ceiling
    const down = neg ? tz - 1n : tz; // floor
    switch (t.quant) {
      case 'TRN': q = down; break;
      case 'TRN_ZERO': q = tz; break;
      case 'RND': q = twice > den ? away : twice < den ? tz : up; break;
      case 'RND_ZERO': q = twice > den ? away : tz; break;
      case 'RND_MIN_INF': q = twice > den ? away : twice < den ? tz : down; break;
      case 'RND_INF': q = twice >= den ? away : tz; break;
      case 'RND_CONV': q = twice > den ? away : twice < den ? tz : (down % 2n === 0n ? down : up); break;
    }
  }
  const span = 1n << BigInt(t.width);
  const lo = t.signed ? -(span / 2n) : 0n;
  const hi = lo + span - 1n;
  if (t.overflow === 'WRAP') return ((((q - lo) % span) + span) % span) + lo;
  const symLo = t.overflow === 'SAT_SYM' && t.signed ? -hi : lo;
  if (q < symLo || q > hi) return t.overflow === 'SAT_ZERO' ? 0n : q > hi ? hi : symLo;
  return q;
}

const arbWideType = fc.record({
  width: fc.integer({ min: 1, max: 64 }),
  iOff: fc.integer({ min: -70, max: 140 }),
  signed: fc.boolean(),
  quant: fc.constantFrom(...QUANT_MODES),
  overflow: fc.constantFrom(...OVERFLOW_MODES),
}).map((r) => fixedType(r.width, Math.min(r.iOff, r.width), r)); // I <= W

describe('hw fixed point', () => {
  it('castRaw matches the double-precision reference for every mode (2000 cases)', () => {
    fc.assert(
      fc.property(arbType, fc.integer({ min: -(2 ** 24), max: 2 ** 24 }), fc.integer({ min: -6, max: 20 }), (t, raw, srcF) => {
        assert.equal(Number(castRaw(BigInt(raw), srcF, t)), refCast(raw, srcF, t) + 0, `${formatFixed(t)} raw ${raw} F ${srcF}`);
      }),
      propertyParams(2000, 61),
    );
  });

  it('castRaw matches the exact rational reference for W up to 64, I < 0 (F > W), every mode pair (28 x 200 cases)', () => {
    for (const quant of QUANT_MODES) {
      for (const overflow of OVERFLOW_MODES) {
        fc.assert(
          fc.property(arbWideType, fc.bigInt({ min: -(1n << 90n), max: 1n << 90n }), fc.integer({ min: -40, max: 120 }), (t0, raw, srcF) => {
            const t = { ...t0, quant, overflow };
            assert.equal(castRaw(raw, srcF, t), refCastRational(raw, srcF, t), `${formatFixed(t)} raw ${raw} F ${srcF}`);
          }),
          propertyParams(200, 62),
        );
      }
    }
  });

  it('fromNumber casts the exact binary expansion of a double (rational reference, every mode)', () => {
    fc.assert(
      fc.property(arbWideType, fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e30, max: 1e30 }), (t, x) => {
        // Independent exact expansion: mantissa and exponent from the IEEE bits.
        const dv = new DataView(new ArrayBuffer(8));
        dv.setFloat64(0, x);
        const bits = dv.getBigUint64(0);
        const e = Number((bits >> 52n) & 0x7ffn);
        const m = (bits & ((1n << 52n) - 1n)) | (e === 0 ? 0n : 1n << 52n);
        const sign = bits >> 63n ? -1n : 1n;
        const exp2 = (e === 0 ? 1 : e) - 1075; // x = sign * m * 2^exp2
        assert.equal(fromNumber(x, t), refCastRational(sign * m, -exp2, t), `${formatFixed(t)} x ${x}`);
      }),
      propertyParams(1500, 63),
    );
  });

  it('hand-checked values', () => {
    const v = (s: string, x: number) => toNumber(fromNumber(x, parseFixed(s)), parseFixed(s));
    // ap_fixed<8,3>: LSB 2^-5 = 0.03125, range [-4, 3.96875].
    assert.equal(v('ap_fixed<8,3>', 3.99), 3.96875); // TRN: floor(127.68) = 127
    assert.equal(v('ap_fixed<8,3,AP_RND>', 3.99), -4); // RND: 128 wraps to -128
    assert.equal(v('ap_fixed<8,3,AP_RND,AP_SAT>', 3.99), 3.96875);
    assert.equal(v('ap_fixed<8,3>', 4.5), -3.5); // WRAP: 144 -> -112
    assert.equal(v('ap_fixed<8,3>', -0.01), -0.03125); // TRN toward -inf
    assert.equal(v('ap_fixed<8,3,AP_TRN_ZERO>', -0.01), 0);
    assert.equal(v('ap_fixed<1,0,AP_RND_ZERO>', -0.25), 0); // tie (-0.5 LSB) toward zero
    assert.equal(v('ap_fixed<2,1,AP_RND_ZERO>', -0.25), 0); // LSB 0.5: -0.25 is a tie -> 0
    assert.equal(v('ap_fixed<2,1,AP_RND>', -0.25), 0); // RND: tie toward +inf
    assert.equal(v('ap_fixed<2,1,AP_RND_INF>', -0.25), -0.5); // RND_INF: tie away from zero
    assert.equal(v('ap_fixed<4,4,AP_RND_ZERO>', -0.5), 0);
    assert.equal(v('ap_fixed<4,4,AP_RND_MIN_INF>', -0.5), -1);
    // SAT_SYM: [-7, 7] instead of [-8, 7] for ap_fixed<4,4>.
    assert.equal(v('ap_fixed<4,4,AP_TRN,AP_SAT_SYM>', -100), -7);
    assert.equal(v('ap_fixed<4,4,AP_TRN,AP_SAT_SYM>', -8), -7);
    assert.equal(v('ap_fixed<4,4,AP_TRN,AP_SAT>', -8), -8);
    assert.equal(v('ap_fixed<4,4,AP_TRN,AP_SAT_ZERO>', 9), 0);
    assert.equal(v('ap_ufixed<4,4,AP_TRN,AP_SAT_SYM>', -3), 0);
    assert.equal(v('ap_ufixed<8,0,AP_RND_CONV,AP_SAT>', 0.123), 31 / 256); // 0.123 * 256 = 31.488 -> 31
    assert.equal(v('ap_ufixed<8,0,AP_RND_CONV,AP_SAT>', 0.998), 255 / 256); // 255.49 -> 255; 1.5 would saturate
    assert.equal(v('ap_ufixed<8,0,AP_RND_CONV,AP_SAT>', 1.5), 255 / 256);
  });

  it('ties are broken as the mode says', () => {
    const t = (q: string) => parseFixed(`ap_fixed<8,8,AP_${q}>`);
    const x = [2.5, -2.5, 3.5, -3.5];
    const r = (q: string) => x.map((v) => Number(fromNumber(v, t(q))));
    assert.deepEqual(r('TRN'), [2, -3, 3, -4]);
    assert.deepEqual(r('TRN_ZERO'), [2, -2, 3, -3]);
    assert.deepEqual(r('RND'), [3, -2, 4, -3]);
    assert.deepEqual(r('RND_ZERO'), [2, -2, 3, -3]);
    assert.deepEqual(r('RND_MIN_INF'), [2, -3, 3, -4]);
    assert.deepEqual(r('RND_INF'), [3, -3, 4, -4]);
    assert.deepEqual(r('RND_CONV'), [2, -2, 4, -4]);
  });

  it('is exact at W = 64 (BigInt arithmetic)', () => {
    const t = parseFixed('ap_fixed<64,32,AP_RND,AP_SAT>');
    const raw = (1n << 62n) + 12345678901234567n;
    assert.equal(castRaw(raw, 32, t), raw);
    assert.equal(castRaw(raw << 40n, 32, t), (1n << 63n) - 1n);
    assert.equal(castRaw(-(raw << 40n), 32, t), -(1n << 63n));
    assert.equal(castRaw(raw, 33, parseFixed('ap_fixed<64,32>')), raw >> 1n);
    const w = parseFixed('ap_ufixed<64,64>');
    assert.equal(castRaw(-1n, 0, w), (1n << 64n) - 1n);
  });

  it('parses and formats types', () => {
    const t = parseFixed('ap_ufixed<7, 1, AP_RND_CONV, AP_SAT>');
    assert.deepEqual(t, { signed: false, width: 7, integer: 1, quant: 'RND_CONV', overflow: 'SAT' });
    assert.equal(formatFixed(t), 'ap_ufixed<7,1,AP_RND_CONV,AP_SAT>');
    assert.equal(formatFixed(parseFixed('ap_fixed<16,6>')), 'ap_fixed<16,6>');
    assert.deepEqual(parseFixed('fixed<16,6,RND,SAT>'), parseFixed('ap_fixed<16,6,AP_RND,AP_SAT>'));
    assert.deepEqual(parseFixed('ap_ufixed<8,0,AP_RND_CONV,AP_SAT>'), { signed: false, width: 8, integer: 0, quant: 'RND_CONV', overflow: 'SAT' });
    assert.deepEqual(parseFixed('ap_fixed<4,-2>'), { signed: true, width: 4, integer: -2, quant: 'TRN', overflow: 'WRAP' }); // I < 0: LSB 2^-6
  });

  it('rejects W < I, W > 64, unknown modes and malformed text, naming the field', () => {
    assert.throws(() => parseFixed('ap_fixed<4,9>', 'fc0.weightType'), (e: unknown) => e instanceof DomainError && /^invalid 'fc0\.weightType\.I' = 9: .*W = 4/.test((e as Error).message));
    assert.throws(() => fixedType(8, 9, { signed: false }, 'relu1.resultType'), /invalid 'relu1\.resultType\.I' = 9/);
    assert.equal(fixedType(8, 8).integer, 8); // I = W: an integer type
    assert.throws(() => parseFixed('ap_fixed<70,6>'), (e: unknown) => e instanceof DomainError && /^invalid 'precision\.W' = 70: /.test((e as Error).message));
    assert.throws(() => parseFixed('ap_fixed<0,0>', 'fc1.weightType'), (e: unknown) => e instanceof DomainError && (e as DomainError).field === 'fc1.weightType.W');
    assert.throws(() => fixedType(NaN, 3), /invalid 'type\.W' = NaN/);
    assert.throws(() => fixedType(8, NaN), /invalid 'type\.I' = NaN/);
    assert.throws(() => parseFixed('ap_fixed<8,3,AP_RND_ODD>'), (e: unknown) => e instanceof DomainError && /RND_ODD/.test((e as Error).message));
    assert.throws(() => parseFixed('fixd<8,3>'), (e: unknown) => e instanceof DomainError && /fixd<8,3>/.test((e as Error).message));
    assert.throws(() => parseFixed('ap_fixed<8>'), DomainError);
    assert.throws(() => fromNumber(NaN, parseFixed('ap_fixed<8,3>'), 'x[2]'), /x\[2\]/);
  });
});
