/**
 * QAT against post-training quantization at 4 bits on the synthetic ring
 * task: for four seeds, a float net is trained, quantized by range profiling
 * (`profileRanges` + `ptqModel`, every weight, bias and activation 4 bits)
 * and evaluated on the bit-exact emulator; then fine-tuned with QAT at
 * exactly those types and exported. QAT must win on average and in at least
 * three of the four seeds.
 */
import assert from 'node:assert/strict';
import { cosineDecay } from '../../src/autodiff/index.js';
import { emulate } from '../../src/hw/emulate/emulator.js';
import { quantizeModel, type ModelIR } from '../../src/hw/ir.js';
import { irFromQat, layerQuantOf, mlpFloatModel, profileRanges, ptqModel, trainClassifier } from '../../src/hw/qat/index.js';
import { ringTask, rowsOf } from './qat.test.js';

describe('hw QAT vs post-training quantization', () => {
  it('QAT fine-tuning at the 4-bit PTQ types beats PTQ of the float net (4 seeds, emulated accuracy)', () => {
    const tr = ringTask(2000, 1);
    const va = ringTask(1000, 2);
    const xv = rowsOf(va.x, 4);
    const inputType = 'ap_fixed<8,3,AP_RND,AP_SAT>';
    const emulatedAccuracy = (ir: ModelIR) => emulate(ir, xv).filter((row, e) => row.indexOf(Math.max(...row)) === va.y[e]).length / xv.length;
    const res = [1, 2, 3, 4].map((seed) => {
      const base = { sizes: [4, 16, 3], x: tr.x, y: tr.y, epochs: 10, batchSize: 64, learningRate: 0.01, seed };
      const f = trainClassifier(base);
      const fm = mlpFloatModel(f.params);
      const ptq = ptqModel(fm, profileRanges(fm, rowsOf(tr.x, 4)), { width: 4 });
      const q = layerQuantOf(ptq);
      const ptqAcc = emulatedAccuracy(quantizeModel(ptq, { inputType }));
      const qat = trainClassifier({ ...base, quant: q, inputType, init: f.params, learningRate: cosineDecay(0.005, 320) });
      return { seed, ptq: ptqAcc, qat: emulatedAccuracy(irFromQat(qat.params, q, inputType)) };
    });
    const mean = (k: 'ptq' | 'qat') => res.reduce((s, r) => s + r[k], 0) / res.length;
    const wins = res.filter((r) => r.qat > r.ptq).length;
    assert.ok(mean('qat') > mean('ptq') + 0.01 && wins >= 3, JSON.stringify(res));
  });
});
