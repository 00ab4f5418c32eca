/**
 * Post-training quantization with range profiling on hls4ml's float jet
 * tagger: ranges and overflow counts, per-layer types that cover the
 * observed ranges, and the accuracy they keep against the float network.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DomainError, prngKey } from '../../src/autodiff/index.js';
import { readKeras } from '../../src/hw/import/keras.js';
import { quantizeModel } from '../../src/hw/ir.js';
import { emulate, floatForward } from '../../src/hw/emulate/emulator.js';
import { parseFixed, typeRange } from '../../src/hw/fixed/ap-fixed.js';
import { integerBitsFor, profileRanges, ptqModel } from '../../src/hw/qat/profile.js';
import { MODEL_DIR } from './keras.test.js';

function inputs(n: number, seed: number): number[][] {
  const z = prngKey(seed).normals(n * 16);
  return Array.from({ length: n }, (_, e) => Array.from(z.subarray(e * 16, e * 16 + 16)));
}

describe('hw post-training quantization with range profiling', () => {
  it('profiles ranges, counts overflows of a narrow type, and picks types covering every observed value', async () => {
    const m = await readKeras(join(MODEL_DIR, 'KERAS_3layer.json'), join(MODEL_DIR, 'KERAS_3layer_weights.h5'));
    const calib = inputs(300, 11);
    const prof = profileRanges(m, calib, parseFixed('ap_fixed<8,1>'));
    assert.equal(prof.length, m.layers.length);
    assert.deepEqual(prof.map((p) => p.count / 300), [64, 64, 32, 32, 32, 32, 5, 5]);
    assert.ok(prof.some((p) => p.overflows > 0), 'ap_fixed<8,1> (range [-1, 1)) overflows somewhere');
    assert.ok(prof.filter((p) => p.kind === 'relu').every((p) => p.min === 0));
    const q = ptqModel(m, prof, { width: 12 });
    q.layers.forEach((l, k) => {
      if ((l.kind === 'dense' || l.kind === 'relu') && l.resultType && typeof l.resultType !== 'string') {
        const r = typeRange(l.resultType);
        assert.ok(r.max + r.lsb >= prof[k].max && r.min <= prof[k].min, `${l.name}: [${r.min}, ${r.max}] vs [${prof[k].min}, ${prof[k].max}]`);
      }
    });
    assert.equal(integerBitsFor(-3.5, 2), 3);
    assert.equal(integerBitsFor(0, 0.4), 1);
  });

  it('PTQ at 12 bits keeps the float class for at least 90 % of 300 held-out events', async () => {
    const m = await readKeras(join(MODEL_DIR, 'KERAS_3layer.json'), join(MODEL_DIR, 'KERAS_3layer_weights.h5'));
    const prof = profileRanges(m, inputs(300, 11));
    const ir = quantizeModel(ptqModel(m, prof, { width: 12 }), { precision: 'ap_fixed<12,4,AP_RND,AP_SAT>' });
    const wide = quantizeModel(m, { precision: 'ap_fixed<32,12>' });
    const x = inputs(300, 12);
    const a = emulate(ir, x).map((r) => r[0]);
    const b = floatForward(wide, x).map((r) => r[0]);
    const agree = a.filter((v, i) => v === b[i]).length;
    assert.ok(agree >= 270, `agreement ${agree}/300`);
  });

  it('rejects a width below 2 and a profile of the wrong length', async () => {
    const m = await readKeras(join(MODEL_DIR, 'KERAS_3layer.json'), join(MODEL_DIR, 'KERAS_3layer_weights.h5'));
    const prof = profileRanges(m, inputs(4, 1));
    assert.throws(() => ptqModel(m, prof, { width: 1 }), (e: unknown) => e instanceof DomainError && (e as DomainError).field === 'width');
    assert.throws(() => ptqModel(m, prof.slice(1), { width: 8 }), (e: unknown) => e instanceof DomainError && (e as DomainError).field === 'profile');
  });
});
