/** HistFactory model: bad input, autodiff gradients vs finite differences, interpolation codes, host/tensor agreement. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tf, type Tensor, DiffhepError, DomainError } from '../../src/autodiff/index.js';
import { checkGrad, propertyParams } from '../../src/autodiff/testing/index.js';
import { HistFactoryModel, WorkspaceSchemaError, validateWorkspace, normsysFactor, histosysDelta, histosysDeltaCode4p, code4Coefficients } from '../../src/inference/index.js';
import { assertGradClose } from '../../src/autodiff/testing/index.js';
import { assertClose, assertGradOk, validationCases, uncorrelatedBackground } from './helpers.js';

const base = () => JSON.parse(JSON.stringify(validationCases().find((c) => c.name === 'case06')!.workspace));

describe('HistFactory workspace validation', () => {
  it('names the JSON path of a schema error', () => {
    const ws = base();
    ws.channels[0].samples[1].modifiers[0].type = 'normsis';
    assert.throws(() => validateWorkspace(ws), (e: Error) => e instanceof WorkspaceSchemaError && /channels\[0\]\.samples\[1\]\.modifiers\[0\]\.type/.test(e.message) && /normsis/.test(e.message));
    const ws2 = base();
    ws2.channels[0].samples[0].data[2] = 'x';
    assert.throws(() => validateWorkspace(ws2), /channels\[0\]\.samples\[0\]\.data\[2\]/);
    const ws3 = base();
    ws3.channels[0].samples[1].modifiers[2].data.hi_data.pop();
    assert.throws(() => validateWorkspace(ws3), /channels\[0\]\.samples\[1\]\.modifiers\[2\]\.data\.hi_data.*expected 4 bins/);
    const ws4 = base();
    delete ws4.measurements;
    assert.throws(() => validateWorkspace(ws4), /'measurements'/);
    const ws5 = base();
    ws5.version = '2.0.0';
    assert.throws(() => validateWorkspace(ws5), /'version'.*unsupported/);
    const ws6 = base();
    ws6.observations[0].name = 'nope';
    assert.throws(() => validateWorkspace(ws6), /observations\[0\]\.name/);
  });

  it('rejects negative yields and zero expected events with named errors', () => {
    const ws = base();
    ws.channels[0].samples[1].data[1] = -3;
    assert.throws(() => HistFactoryModel.fromJSON(ws), /channels\[0\]\.samples\[1\]\.data\[1\].*non-negative.*-3/);
    const zero = uncorrelatedBackground([0, 11], [0, 52], [0, 7], [3, 48]);
    assert.throws(() => HistFactoryModel.fromJSON(zero), (e: Error) => e instanceof DomainError && /singlechannel\[0\]/.test(e.message) && /expected events must be positive/.test(e.message));
    const ws2 = base();
    ws2.measurements[0].config.poi = 'nu';
    assert.throws(() => HistFactoryModel.fromJSON(ws2), /config\.poi.*"nu"/);
    const ws3 = base();
    ws3.measurements[0].config.parameters[0].inits = [3];
    assert.throws(() => HistFactoryModel.fromJSON(ws3), (e: Error) => e instanceof DiffhepError && /lumi\.inits\[0\].*outside the bounds/.test(e.message));
  });
});

describe('HistFactory interpolation', () => {
  it('code4 matches the exponential in value, slope and curvature at |alpha| = 1; code4p is continuous (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.5, max: 1.8, noNaN: true }), fc.double({ min: 0.5, max: 1.5, noNaN: true }), fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: -5, max: 5, noNaN: true }), (hi, lo, up, dn) => {
        const c = code4Coefficients(hi, lo);
        const f = (a: number) => normsysFactor('code4', a, hi, lo, c);
        const g = (a: number) => (a >= 0 ? hi ** a : lo ** -a);
        const h = 1e-4;
        for (const a of [1, -1]) {
          const inside = a * (1 - 1e-9);
          assertClose(f(inside), g(a), 1e-7, 1e-9, 'value');
          const inner = a > 0 ? a - h : a + h;
          // One-sided derivatives from inside match the exponential's.
          const dIn = (f(inside) - f(inner)) / (inside - inner);
          const dOut = (g(a) - g(inner)) / (a - inner);
          assertClose(dIn, dOut, 1e-3, 1e-5, 'slope');
        }
        assertClose(f(0), 1, 0, 1e-12, 'f(0)');
        for (const a of [1, -1]) assertClose(histosysDelta('code4p', a * (1 - 1e-12), up, dn), histosysDelta('code0', a, up, dn), 1e-8, 1e-9, 'code4p at ±1');
      }),
      propertyParams(30, 501),
    );
  });

  it('the tensor code4p shift equals the float64 one and its gradient in alpha and the deltas matches finite differences (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2500, max: 2500 }).map((i) => i / 1000).filter((a) => Math.abs(Math.abs(a) - 1) > 0.02), fc.array(fc.integer({ min: -3000, max: 3000 }).map((i) => i / 1000), { minLength: 6, maxLength: 6 }), (alpha, d) => {
        const up = d.slice(0, 3);
        const dn = d.slice(3);
        const got = tf.tidy(() => histosysDeltaCode4p(tf.scalar(alpha), tf.tensor1d(up), tf.tensor1d(dn)).arraySync() as number[]);
        got.forEach((x, i) => assertClose(x, histosysDelta('code4p', alpha, up[i], dn[i]), 1e-5, 1e-5, `bin ${i}`));
        // a weighted sum so every bin's shift enters the checked scalar
        const params = { alpha, up: tf.tensor1d(up), dn: tf.tensor1d(dn) };
        try {
          assertGradClose((p) => tf.sum(tf.mul(tf.tensor1d([1, -2, 0.5]), histosysDeltaCode4p((p as Record<string, Tensor>).alpha, (p as Record<string, Tensor>).up, (p as Record<string, Tensor>).dn))), params, { eps: 1e-3, rtol: 2e-2, atol: 2e-3 });
        } finally {
          tf.dispose([params.up, params.dn]);
        }
      }),
      propertyParams(25, 502),
    );
  });
});

describe('HistFactory likelihood gradients', () => {
  for (const [normsys, histosys] of [['code4', 'code4p'], ['code1', 'code0']] as const) {
    it(`the tensor NLL's gradient matches finite differences (${normsys}/${histosys}, property over parameter points)`, () => {
      const model = HistFactoryModel.fromJSON(base(), { normsys, histosys });
      const d = model.observedData();
      const main = tf.tensor1d(d.main);
      const aux = tf.tensor1d(d.aux);
      fc.assert(
        fc.property(fc.array(fc.double({ min: -1.8, max: 1.8, noNaN: true }), { minLength: model.size, maxLength: model.size }), (u) => {
          // α's on both sides of the code4 switch at |α| = 1; code1/code0 have a kink at α = 0 (slopes ln hi vs −ln lo), so stay 0.05 away from it there.
          const alpha = (v: number) => (normsys === 'code1' ? Math.sign(v || 1) * (0.05 + Math.abs(v)) : v);
          const x = model.suggestedInit().map((v, i) => (model.suggestedBounds()[i][0] < 0 ? alpha(u[i]) : v * (1 + 0.1 * u[i])));
          x[model.poiIndex] = 1 + 0.5 * u[model.poiIndex];
          const r = checkGrad((p) => model.nllTensor((p as { x: Tensor }).x, main, aux), { x: tf.tensor1d(x) }, { eps: 1e-2, rtol: 2e-2, atol: 2e-3 });
          assertGradOk(r, 'nll');
          // The float64 host value and the tensor value differ only by the data-only constants.
          const y = x.map((v, i) => v + 0.01 * (i % 3 - 1));
          const dHost = (model.twiceNll(y, d) - model.twiceNll(x, d)) / 2;
          const dTens = tf.tidy(() => model.nllTensor(tf.tensor1d(y), main, aux).dataSync()[0] - model.nllTensor(tf.tensor1d(x), main, aux).dataSync()[0]);
          assertClose(dTens, dHost, 2e-2, 2e-3, 'ΔNLL host vs tensor');
        }),
        propertyParams(6, 502),
      );
      main.dispose();
      aux.dispose();
      model.dispose();
    });
  }

  it('expectedTensor equals the float64 expected rates', () => {
    const model = HistFactoryModel.fromJSON(base());
    const x = model.suggestedInit().map((v, i) => (model.suggestedBounds()[i][0] < 0 ? 0.7 - 0.3 * i : v * (1 + 0.03 * i)));
    const t = tf.tidy(() => Array.from(model.expectedTensor(tf.tensor1d(x)).dataSync()));
    const h = Array.from(model.expected(x));
    t.forEach((v, i) => assertClose(v, h[i], 1e-5, 1e-6, `rate[${i}]`));
    model.dispose();
  });
});
