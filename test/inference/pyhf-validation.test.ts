/**
 * Agreement with pyhf on every workspace in ../shared/validation/histfactory
 * and on the docstring model of the reference sheet: twice the NLL (1e-4
 * relative), best-fit values (1e-3 absolute), CLs observed and expected band
 * at μ = 1 with q̃ (1e-3 relative), q0/p0, and the upper limits of the
 * 0..5 (51 points) linear scan.
 */
import assert from 'node:assert/strict';
import { tf } from '../../src/autodiff/index.js';
import { HistFactoryModel, fitModel, AsymptoticCalculator, upperLimitScan, linspace } from '../../src/inference/index.js';
import { assertClose, assertAllClose, validationCases, uncorrelatedBackground } from './helpers.js';

describe('pyhf validation cases', () => {
  const cases = validationCases();
  it('finds the validation cases', () => {
    assert.ok(cases.length >= 6, `expected at least 6 cases, found ${cases.length}`);
  });
  for (const c of cases) {
    describe(c.name, () => {
      const model = HistFactoryModel.fromJSON(c.workspace);
      const data = model.observedData();
      after(() => model.dispose());

      it('has pyhf parameter order and twice the NLL at the initial parameters', () => {
        assert.deepEqual(model.parOrder, c.expected.par_order);
        assertClose(model.twiceNll(model.suggestedInit(), data), c.expected.twice_nll_at_init, 1e-10, 0, 'twice_nll_at_init');
      });

      it('fits: best-fit values to 1e-3 absolute, twice the NLL to 1e-4 relative', () => {
        const r = fitModel(model, data);
        // The model's constant tensors now exist; a further fit must not add any.
        const before = tf.memory().numTensors;
        fitModel(model, data, { init: r.bestfit });
        assert.ok(r.converged, `fit did not converge (edm ${r.edm})`);
        assertAllClose(r.bestfit, c.expected.mle, 0, 1e-3, 'bestfit');
        assertClose(r.twiceNll, c.expected.twice_nll_min, 1e-4, 0, 'twice_nll_min');
        assert.equal(tf.memory().numTensors, before, 'a fit leaves no tensors behind');
      });

      it('CLs at mu = 1 (q~) observed and expected band to 1e-3 relative; q0 and p0', () => {
        const r = new AsymptoticCalculator(model, data, { testStat: 'qtilde' }).hypotest(1);
        assertClose(r.clsObs, c.expected.cls_obs_qtilde_mu1, 1e-3, 0, 'CLs_obs');
        assertAllClose(r.clsExp, c.expected.cls_exp_qtilde_mu1, 1e-3, 0, 'CLs_exp');
        const d = new AsymptoticCalculator(model, data, { testStat: 'q0' }).hypotest(0);
        assertClose(d.q, c.expected.q0, 1e-3, 1e-6, 'q0');
        assertClose(d.clsObs, c.expected.p0, 1e-3, 0, 'p0');
      });

      it('upper limits from the 0..5 scan (51 points) match and CLs falls monotonically with mu', () => {
        const ul = upperLimitScan(model, data, linspace(0, 5, 51));
        assertClose(ul.obs, c.expected.upper_limit_obs_linear_scan_0_5_51, 1e-3, 0, 'upper limit obs');
        assertAllClose(ul.exp, c.expected.upper_limit_exp_linear_scan_0_5_51, 1e-3, 0, 'upper limit exp');
        const cls = ul.scan!.clsObs;
        for (let i = 1; i < cls.length; i++) assert.ok(cls[i] <= cls[i - 1] + 1e-9, `CLs_obs rises from mu=${ul.scan!.mu[i - 1]} (${cls[i - 1]}) to mu=${ul.scan!.mu[i]} (${cls[i]})`);
        for (let k = 0; k < 5; k++) {
          const e = ul.scan!.clsExp.map((v) => v[k]);
          for (let i = 1; i < e.length; i++) assert.ok(e[i] <= e[i - 1] + 1e-9, `CLs_exp[${k}] rises at mu=${ul.scan!.mu[i]}`);
        }
      });
    });
  }
});

describe('pyhf docstring model (reference sheet)', () => {
  it('uncorrelated_background(signal=[12,11], bkg=[50,52], bkg_uncertainty=[3,7]), data [51,48]: CLs and band', () => {
    const model = HistFactoryModel.fromJSON(uncorrelatedBackground([12, 11], [50, 52], [3, 7], [51, 48]));
    assert.deepEqual(model.parOrder, ['mu', 'uncorr_bkguncrt']);
    const r = new AsymptoticCalculator(model, model.observedData()).hypotest(1);
    assertClose(r.clsObs, 0.05251497, 1e-3, 0, 'CLs_obs');
    assertAllClose(r.clsExp, [0.00260626, 0.01382005, 0.06445321, 0.23525644, 0.57303621], 1e-3, 0, 'CLs_exp');
    model.dispose();
  });
});
