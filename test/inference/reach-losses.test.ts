/** Physics-reach losses: expected CLs through implicit fits, Fisher/Cramér–Rao, DisCo and MoDE — values and gradients. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tf, type Tensor, PRNGKey } from '../../src/autodiff/index.js';
import { checkGrad, propertyParams } from '../../src/autodiff/testing/index.js';
import {
  expectedCLs, expectedDiscoverySignificance, fisherInformation, cramerRaoUncertainty, inverseDiagonalElement, distanceCorrelation, modePenalty,
  HistFactoryModel, AsymptoticCalculator, fitModel,
} from '../../src/inference/index.js';
import { assertClose, assertGradOk } from './helpers.js';

function workspace(s: number[], b: number[], bu: number[], bd: number[]): unknown {
  return {
    version: '1.0.0',
    channels: [{ name: 'c', samples: [
      { name: 'signal', data: s, modifiers: [{ name: 'mu', type: 'normfactor', data: null }] },
      { name: 'background', data: b, modifiers: [{ name: 'shape', type: 'histosys', data: { hi_data: bu, lo_data: bd } }] },
    ] }],
    observations: [{ name: 'c', data: b }],
    measurements: [{ name: 'm', config: { poi: 'mu', parameters: [] } }],
  };
}

describe('expected CLs and discovery significance through implicit fits', () => {
  const s = [3, 8, 12];
  const b = [40, 25, 10];
  const bu = [44, 27, 13];
  const bd = [37, 24, 8];
  const y = () => ({ signal: tf.tensor1d(s), background: tf.tensor1d(b), backgroundUp: tf.tensor1d(bu), backgroundDown: tf.tensor1d(bd) });

  it("equals the median expected CLs of the same HistFactory model (pyhf conventions) and √q0 of its Asimov fit", () => {
    const v = tf.tidy(() => expectedCLs(y()).dataSync()[0]);
    const model = HistFactoryModel.fromJSON(workspace(s, b, bu, bd));
    const r = new AsymptoticCalculator(model, model.observedData()).hypotest(1);
    assertClose(v, r.clsExp[2], 2e-3, 0, 'median expected CLs');
    const z = tf.tidy(() => expectedDiscoverySignificance(y()).dataSync()[0]);
    const asimov = model.expectedData(model.suggestedInit()); // μ = 1, α = 0
    const free = fitModel(model, asimov);
    const cond = fitModel(model, asimov, { fixPoi: 0 });
    assertClose(z, Math.sqrt(cond.twiceNll - free.twiceNll), 2e-3, 0, 'expected discovery significance');
    model.dispose();
  });

  it('implicit gradients match finite differences of re-fitted values (property over yields)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.7, max: 1.4, noNaN: true }), fc.double({ min: 0.7, max: 1.4, noNaN: true }), (fs, fb) => {
        const p = { s: s.map((v) => v * fs), b: b.map((v) => v * fb) };
        const loss = (q: Record<string, Tensor>) => expectedCLs({ signal: q.s, background: q.b, backgroundUp: tf.mul(q.b, tf.tensor1d(bu.map((v, i) => v / b[i]))), backgroundDown: tf.mul(q.b, tf.tensor1d(bd.map((v, i) => v / b[i]))) });
        assertGradOk(checkGrad((q) => loss(q as Record<string, Tensor>), { s: tf.tensor1d(p.s), b: tf.tensor1d(p.b) }, { eps: 1e-2, rtol: 5e-2, atol: 2e-4 }), 'expected CLs');
        const zl = (q: Record<string, Tensor>) => expectedDiscoverySignificance({ signal: q.s, background: q.b, backgroundUp: tf.add(q.b, 2), backgroundDown: tf.sub(q.b, 1.5) });
        assertGradOk(checkGrad((q) => zl(q as Record<string, Tensor>), { s: tf.tensor1d(p.s), b: tf.tensor1d(p.b) }, { eps: 1e-2, rtol: 5e-2, atol: 2e-3 }), 'expected Z');
      }),
      propertyParams(3, 801),
    );
  });
});

describe('Fisher information and the Cramér–Rao bound (INFERNO loss)', () => {
  it('equals the analytic inverse Fisher information and the HESSE error of the Asimov fit', () => {
    // λ = s·S + b·B(1 + 0.1θ), constraint θ ~ N(0, 1): POI s at index 0.
    const S = [0.1, 0.3, 0.6];
    const B = [0.6, 0.3, 0.1];
    const rates = (th: Tensor) => tf.add(tf.mul(th.slice([0], [1]), tf.tensor1d(S)), tf.mul(tf.mul(th.slice([1], [1]), tf.tensor1d(B)), 1));
    const info = tf.tidy(() => fisherInformation(rates, [50, 1000]).arraySync() as number[][]);
    const lam = S.map((v, i) => 50 * v + 1000 * B[i]);
    const ana = [[0, 0], [0, 0]];
    for (let i = 0; i < 3; i++) {
      const d = [S[i], B[i]];
      for (let a = 0; a < 2; a++) for (let c = 0; c < 2; c++) ana[a][c] += (d[a] * d[c]) / lam[i];
    }
    for (let a = 0; a < 2; a++) for (let c = 0; c < 2; c++) assertClose(info[a][c], ana[a][c], 1e-4, 1e-9, `I[${a}][${c}]`);
    const det = ana[0][0] * ana[1][1] - ana[0][1] ** 2;
    const sigma = tf.tidy(() => cramerRaoUncertainty(rates, [50, 1000], 0).dataSync()[0]);
    assertClose(sigma, Math.sqrt(ana[1][1] / det), 1e-4, 0, 'Cramér–Rao σ_s');
    // The same number is the HESSE error of μ on the Asimov dataset of a HistFactory model with s, b free.
    const ws = {
      version: '1.0.0',
      channels: [{ name: 'c', samples: [
        { name: 'sig', data: S.map((v) => 50 * v), modifiers: [{ name: 'mu', type: 'normfactor', data: null }] },
        { name: 'bkg', data: B.map((v) => 1000 * v), modifiers: [{ name: 'nb', type: 'normfactor', data: null }] },
      ] }],
      observations: [{ name: 'c', data: lam }],
      measurements: [{ name: 'm', config: { poi: 'mu', parameters: [] } }],
    };
    const model = HistFactoryModel.fromJSON(ws);
    const fit = fitModel(model, model.observedData(), { hesse: true });
    assertClose(50 * fit.uncertainties![model.poiIndex], sigma, 2e-3, 0, 'HESSE error × s');
    model.dispose();
  });

  it('the Cramér–Rao loss has finite-difference-exact gradients in the shape parameters (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -0.5, max: 0.5, noNaN: true }), (c) => {
        const loss = (p: Record<string, Tensor>) => {
          // Signal and background shapes from a parameter w (like a network output).
          const edges = tf.tensor1d([0.2, 0.5, 0.8]);
          const sig = tf.sigmoid(tf.mul(tf.sub(edges, p.w), 4));
          const bkg = tf.sub(1, sig);
          const rates = (th: Tensor) => tf.add(tf.mul(th.slice([0], [1]), sig), tf.mul(th.slice([1], [1]), tf.add(bkg, 0.05)));
          return cramerRaoUncertainty(rates, [50, 1000], 0, [0, 1e-4]);
        };
        assertGradOk(checkGrad((p) => loss(p as Record<string, Tensor>), { w: c }, { eps: 1e-2, rtol: 3e-2, atol: 1e-3 }), 'Cramér–Rao');
      }),
      propertyParams(4, 802),
    );
  });

  it('inverseDiagonalElement equals the float64 inverse', () => {
    const a = [[4, 1, 0.5], [1, 3, 0.2], [0.5, 0.2, 2]];
    const t = tf.tensor2d(a);
    const v = tf.tidy(() => [0, 1, 2].map((i) => inverseDiagonalElement(t, i).dataSync()[0]));
    // Cofactor formula for the 3×3 inverse diagonal.
    const det = a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
    const diag = [a[1][1] * a[2][2] - a[1][2] ** 2, a[0][0] * a[2][2] - a[0][2] ** 2, a[0][0] * a[1][1] - a[0][1] ** 2].map((c) => c / det);
    v.forEach((x, i) => assertClose(x, diag[i], 1e-5, 0, `inv[${i}][${i}]`));
    t.dispose();
  });
});

describe('decorrelation penalties', () => {
  const key = PRNGKey.fromSeed(11);
  const m = Array.from(key.uniforms(200));
  const noise = Array.from(key.fold(1).uniforms(200));
  it('DisCo: 0 for independent samples (small), 1 for an affine relation; gradient vs finite differences', () => {
    const lin = tf.tidy(() => distanceCorrelation(tf.tensor1d(m), tf.tensor1d(m.map((v) => 3 * v + 1))).dataSync()[0]);
    assertClose(lin, 1, 1e-4, 0, 'dCor² of a linear relation');
    const ind = tf.tidy(() => distanceCorrelation(tf.tensor1d(m), tf.tensor1d(noise)).dataSync()[0]);
    assert.ok(ind < 0.05, `dCor² of independent uniforms = ${ind}`);
    const sq = tf.tidy(() => distanceCorrelation(tf.tensor1d(m), tf.tensor1d(m.map((v) => (v - 0.5) ** 2))).dataSync()[0]);
    assert.ok(sq > 0.1, `dCor² detects a non-linear dependence (${sq})`);
    const small = m.slice(0, 20);
    assertGradOk(checkGrad((p) => distanceCorrelation((p as { s: Tensor }).s, tf.tensor1d(small)), { s: tf.tensor1d(small.map((v, i) => 0.5 * v + noise[i])) }, { maxElements: 8 }), 'DisCo');
  });

  it('MoDE: ~0 for a score independent of mass, large for a mass-sculpted score; gradient vs finite differences', () => {
    const bins = [0, 0.25, 0.5, 0.75, 1];
    const flat = tf.tidy(() => modePenalty(tf.tensor1d(noise), tf.tensor1d(m), { bins }).dataSync()[0]);
    const sculpted = tf.tidy(() => modePenalty(tf.tensor1d(m.map((v, i) => 0.7 * v + 0.3 * noise[i])), tf.tensor1d(m), { bins }).dataSync()[0]);
    assert.ok(sculpted > 10 * flat, `sculpted ${sculpted} vs flat ${flat}`);
    const lin1 = tf.tidy(() => modePenalty(tf.tensor1d(m.map((v, i) => 0.7 * v + 0.3 * noise[i])), tf.tensor1d(m), { bins, order: 1 }).dataSync()[0]);
    assert.ok(lin1 < sculpted, 'order 1 allows a linear dependence');
    const small = { s: tf.tensor1d(noise.slice(0, 40)) };
    assertGradOk(checkGrad((p) => modePenalty((p as { s: Tensor }).s, tf.tensor1d(m.slice(0, 40)), { bins, temperature: 0.1 }), small, { maxElements: 8 }), 'MoDE');
    assert.throws(() => modePenalty(tf.tensor1d([0.1]), tf.tensor1d([0.1, 0.2]), { bins }), /protectedVar/);
  });
});
