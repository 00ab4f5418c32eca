/**
 * Keras/QKeras import of hls4ml's jet-tagging models (read from
 * ../shared/models, never copied into the repo): structure, quantizer types,
 * pruning, agreement of the wide-precision emulator with the float network,
 * and clear errors for unsupported layers and NaN weights.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DiffhepError, NonFiniteError, prngKey } from '../../src/autodiff/index.js';
import { readKeras, kerasToFloatModel } from '../../src/hw/import/keras.js';
import { quantizeModel } from '../../src/hw/ir.js';
import { emulate, floatForward } from '../../src/hw/emulate/emulator.js';
import { formatFixed } from '../../src/hw/fixed/ap-fixed.js';

export const MODEL_DIR = join(process.cwd(), '..', 'shared', 'models', 'hls4ml-jet-tagger');

function inputs(n: number, seed: number): number[][] {
  const z = prngKey(seed).normals(n * 16);
  return Array.from({ length: n }, (_, e) => Array.from(z.subarray(e * 16, e * 16 + 16)));
}

describe('hw Keras import', function () {
  before(function () {
    assert.ok(existsSync(MODEL_DIR), `hls4ml example models expected at ${MODEL_DIR}`);
  });

  it('reads the float jet tagger: 16 -> 64 -> 32 -> 32 -> 5 with ReLU and a final softmax', async () => {
    const m = await readKeras(join(MODEL_DIR, 'KERAS_3layer.json'), join(MODEL_DIR, 'KERAS_3layer_weights.h5'));
    assert.equal(m.nIn, 16);
    assert.deepEqual(m.layers.map((l) => l.kind), ['dense', 'relu', 'dense', 'relu', 'dense', 'relu', 'dense', 'softmax']);
    const dense = m.layers.filter((l) => l.kind === 'dense');
    assert.deepEqual(dense.map((l) => (l.kind === 'dense' ? [l.weights.length, l.bias.length] : [])), [[16, 64], [64, 32], [32, 32], [32, 5]]);
  });

  it('the 70 % pruned model has about 70 % zero weights', async () => {
    const m = await readKeras(join(MODEL_DIR, 'KERAS_3layer.json'), join(MODEL_DIR, 'KERAS_3layer_70pruned_retrained_weights.h5'));
    let zeros = 0;
    let all = 0;
    for (const l of m.layers) if (l.kind === 'dense') for (const r of l.weights) for (const w of r) { all++; if (w === 0) zeros++; }
    assert.ok(zeros / all > 0.6 && zeros / all < 0.8, `zero fraction ${zeros / all}`);
  });

  it('QKeras quantizers become ap_fixed<6,1,AP_RND_CONV,AP_SAT> weights and ap_ufixed<6,0,AP_RND_CONV,AP_SAT> ReLUs, and the weights lie on that grid', async () => {
    const m = await readKeras(join(MODEL_DIR, 'qkeras_3layer.json'), join(MODEL_DIR, 'qkeras_3layer_weights.h5'));
    const ir = quantizeModel(m, { precision: 'ap_fixed<16,6>' });
    for (const l of ir.layers) {
      if (l.kind === 'dense') assert.equal(formatFixed(l.weightType), 'ap_fixed<6,1,AP_RND_CONV,AP_SAT>');
      if (l.kind === 'relu') assert.equal(formatFixed(l.resultType), 'ap_ufixed<6,0,AP_RND_CONV,AP_SAT>');
    }
    const d = ir.layers[0];
    assert.ok(d.kind === 'dense' && d.weights.flat().every((w) => w >= -32n && w <= 31n));
  });

  it('at ap_fixed<32,12> the emulator gives the float network\'s class for every one of 200 events', async () => {
    const m = await readKeras(join(MODEL_DIR, 'KERAS_3layer.json'), join(MODEL_DIR, 'KERAS_3layer_weights.h5'));
    const ir = quantizeModel(m, { precision: 'ap_fixed<32,12>' });
    const x = inputs(200, 3);
    const a = emulate(ir, x).map((r) => r[0]);
    const b = floatForward(ir, x).map((r) => r[0]);
    const agree = a.filter((v, i) => v === b[i]).length;
    assert.ok(agree >= 198, `agreement ${agree}/200`);
  });

  it('rejects an unsupported layer and NaN weights, naming the layer', () => {
    const arch = (cls: string) => ({ config: { layers: [{ class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 2] } }, { class_name: cls, config: { name: 'conv_x', units: 1, activation: 'linear' } }] } });
    const get = (nan: boolean) => (_l: string, w: string) => (w === 'kernel:0' ? { shape: [2, 1], values: [0.5, nan ? NaN : 1] } : { shape: [1], values: [0] });
    assert.throws(() => kerasToFloatModel(arch('Conv2D'), get(false)), (e: unknown) => e instanceof DiffhepError && /conv_x/.test((e as Error).message) && /Conv2D/.test((e as Error).message));
    const m = kerasToFloatModel(arch('Dense'), get(true));
    assert.throws(() => quantizeModel(m), (e: unknown) => e instanceof NonFiniteError && /conv_x/.test((e as Error).message));
    assert.throws(
      () => kerasToFloatModel({ config: { layers: [{ class_name: 'QActivation', config: { name: 'act9', activation: { class_name: 'quantized_tanh', config: { bits: 4 } } } }] } }, get(false)),
      (e: unknown) => e instanceof DiffhepError && /act9/.test((e as Error).message),
    );
  });
});
