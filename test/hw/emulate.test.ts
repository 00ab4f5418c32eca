/**
 * The bit-exact layer arithmetic: the emulator against a reference that
 * works on doubles (exact for the widths drawn here) and the cast, and the
 * IR built from an nn MLP parameter tree with its validation errors.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyParams } from '../../src/autodiff/testing/index.js';
import { DiffhepError, NonFiniteError, ParamSet, nn, prngKey } from '../../src/autodiff/index.js';
import { fixedType, fromNumber, OVERFLOW_MODES, QUANT_MODES, rawToNumber, toNumber, type FixedType } from '../../src/hw/fixed/ap-fixed.js';
import { emulate, emulateRaw, floatForward, quantizeInputs } from '../../src/hw/emulate/emulator.js';
import { irFromJson, irFromMlp, irToJson, quantizeModel, type ModelIR } from '../../src/hw/ir.js';

const arbT = (maxW: number, opts: { wrapSigned?: boolean } = {}) =>
  fc.record({
    width: fc.integer({ min: 2, max: maxW }),
    f: fc.integer({ min: 0, max: maxW }), // I = W - F <= W
    signed: opts.wrapSigned ? fc.constant(true) : fc.boolean(),
    quant: fc.constantFrom(...QUANT_MODES),
    overflow: opts.wrapSigned ? fc.constant('WRAP' as const) : fc.constantFrom(...OVERFLOW_MODES),
  }).map((r) => fixedType(r.width, r.width - r.f, r));

/** Reference forward pass: values as doubles, every rounding point a cast of the double (fromNumber). */
function refForward(ir: ModelIR, x: number[]): number[] {
  const cast = (v: number, t: FixedType) => toNumber(fromNumber(v, t), t);
  let v = x.map((a) => cast(a, ir.inputType));
  for (const l of ir.layers) {
    if (l.kind === 'dense') {
      const wv = (i: number, j: number) => toNumber(l.weights[i][j], l.weightType);
      v = Array.from({ length: l.nOut }, (_, j) => {
        let acc = cast(toNumber(l.bias[j], l.biasType), l.accumType);
        for (let i = 0; i < l.nIn; i++) acc = cast(acc + cast(v[i] * wv(i, j), l.accumType), l.accumType);
        return cast(acc, l.resultType);
      });
    } else if (l.kind === 'relu') v = v.map((a) => cast(Math.max(a, 0), l.resultType));
    else v = [v.indexOf(Math.max(...v))];
  }
  return v;
}

const arbNet = fc.record({
  sizes: fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 })),
  seed: fc.integer({ min: 0, max: 1e6 }),
  input: arbT(8),
  weight: arbT(8),
  bias: arbT(8),
  accum: arbT(20, { wrapSigned: true }),
  result: arbT(10),
  relu: arbT(10),
  argmax: fc.boolean(),
});

type NetSpec = typeof arbNet extends fc.Arbitrary<infer T> ? T : never;

function netFrom(r: NetSpec): { ir: ModelIR; xs: number[][] } {
  const key = prngKey(r.seed);
  const [kw, kx] = key.split(2);
  const ps = new ParamSet(nn.mlpInit(kw, [...r.sizes], { init: 'he' }));
  const vals = ps.values() as { layers: { w: number[]; b: number[] }[] };
  vals.layers.forEach((l, i) => { l.b = Array.from(kw.fold(i).normals(l.b.length)); });
  const ir = irFromMlp(vals, {
    input: r.input,
    layers: [0, 1].map(() => ({ weight: r.weight, bias: r.bias, accum: r.accum, result: r.result, relu: r.relu })),
  }, { output: r.argmax ? 'softmax-argmax' : 'linear' });
  const u = kx.normals(8 * r.sizes[0]);
  const xs = Array.from({ length: 8 }, (_, e) => Array.from(u.slice(e * r.sizes[0], (e + 1) * r.sizes[0]), (a) => 2 * a));
  return { ir, xs };
}

describe('hw emulator and IR', () => {
  it('dense/ReLU/argmax emulation matches the double reference for random nets, types and modes (300 nets x 8 inputs)', () => {
    fc.assert(
      fc.property(arbNet, (r) => {
        const { ir, xs } = netFrom(r);
        const got = emulate(ir, xs);
        xs.forEach((x, e) => assert.deepEqual(got[e], refForward(ir, x), `event ${e}`));
      }),
      propertyParams(300, 71),
    );
  });

  it('with wide exact types the emulator equals the float forward pass on the quantized weights', () => {
    fc.assert(
      fc.property(arbNet, (r) => {
        const wide = fixedType(48, 24, { quant: 'TRN', overflow: 'WRAP' });
        const { ir: ir0, xs } = netFrom({ ...r, accum: wide, result: wide, relu: wide, input: fixedType(8, 4), weight: fixedType(8, 3), bias: fixedType(8, 4) });
        const xq = quantizeInputs(ir0, xs).map((row) => row.map((v) => rawToNumber(v, 4)));
        assert.deepEqual(emulate(ir0, xs), floatForward(ir0, xq));
      }),
      propertyParams(100, 72),
    );
  });

  it('hand-checked dense layer: products exact, cast per product to accum, result cast', () => {
    const ir = quantizeModel(
      { name: 'm', nIn: 2, layers: [{ kind: 'dense', name: 'd', weights: [[0.75], [-0.5]], bias: [0.25] }] },
      { inputType: 'ap_fixed<6,3>', precision: 'ap_fixed<8,4>' },
    );
    // x = (1.375, 2.5): 1.375*0.75 = 1.03125 -> TRN to accum LSB 1/16: 1.0; 2.5*-0.5 = -1.25; +0.25 -> 0.0
    assert.deepEqual(emulate(ir, [[1.375, 2.5]]), [[0]]);
    const sat = quantizeModel(
      { name: 'm', nIn: 1, layers: [{ kind: 'dense', name: 'd', weights: [[3]], bias: [0], resultType: 'ap_fixed<4,2,AP_TRN,AP_SAT>' }] },
      { inputType: 'ap_fixed<8,4>', precision: 'ap_fixed<12,6>' },
    );
    assert.deepEqual(emulate(sat, [[1.5], [-1.5]]), [[1.75], [-2]]); // 4.5 -> 1.75, -4.5 -> -2
  });

  it('the IR is JSON-serializable and round-trips', () => {
    const ir = irFromMlp(new ParamSet(nn.mlpInit(prngKey(3), [4, 6, 3])).values(), { default: 'ap_fixed<12,4,AP_RND,AP_SAT>', layers: [{ weight: 'ap_fixed<6,1>' }] }, { output: 'softmax-argmax' });
    const back = irFromJson(JSON.parse(JSON.stringify(irToJson(ir))));
    assert.deepEqual(back, ir);
    assert.deepEqual(ir.layers.map((l) => l.kind), ['dense', 'relu', 'dense', 'argmax']);
    const xs = [[0.1, -0.2, 0.3, 1], [1, 1, 1, 1]];
    assert.deepEqual(emulateRaw(back, quantizeInputs(back, xs)), emulateRaw(ir, quantizeInputs(ir, xs)));
  });

  it('validation errors name the layer and field', () => {
    const good = { layers: [{ w: [[1, 2]], b: [0, 0] }, { w: [[1], [2]], b: [0] }] };
    assert.throws(() => irFromMlp({ layers: [{ w: [[NaN, 2]], b: [0, 0] }] }), (e: unknown) => e instanceof NonFiniteError && /fc0\.weights\[0\]\[0\]/.test((e as Error).message));
    assert.throws(() => irFromMlp({ layers: [{ w: [[1, 2]], b: [0, Infinity] }] }), /fc0\.bias\[1\]/);
    assert.throws(() => irFromMlp({ layers: [] }), /params\.layers/);
    assert.throws(() => irFromMlp({ layers: [{ w: [[1, 2]], b: [0, 0] }, { w: [[1]], b: [0] }] }), (e: unknown) => e instanceof DiffhepError && /'fc1'.*1 input rows.*gives 2/.test((e as Error).message));
    assert.throws(() => irFromMlp(good, { layers: [{}, { weight: 'ap_fixed<70,3>' }] }), /invalid 'fc1\.weightType\.W' = 70/);
    assert.throws(() => irFromMlp(good, { layers: [{ accum: 'ap_fixed<16,6,AP_TRN,AP_SAT>' }] }), /fc0\.accumType.*signed WRAP/);
    assert.throws(() => quantizeModel({ name: 'm', nIn: 2, layers: [{ kind: 'conv2d', name: 'c' } as never] }), /layers\[0\] 'c': unsupported layer kind 'conv2d'/);
    assert.throws(() => quantizeModel({ name: 'm', nIn: 2, layers: [{ kind: 'softmax', name: 's' }, { kind: 'relu', name: 'r' }] }), /'s': softmax is supported only as the last layer/);
    assert.throws(() => emulate(irFromMlp(good), [[1, 2]]), /inputs\[0\]/);
  });
});
