/** Toy-based CLs: reproducible, consistent with the asymptotic result, valid pseudo-data. */
import assert from 'node:assert/strict';
import { PRNGKey } from '../../src/autodiff/index.js';
import { HistFactoryModel, AsymptoticCalculator, toyHypotest, sampleToy } from '../../src/inference/index.js';
import { uncorrelatedBackground, assertClose } from './helpers.js';

describe('toy-based hypothesis tests', () => {
  const model = HistFactoryModel.fromJSON(uncorrelatedBackground([12, 11], [50, 52], [3, 7], [51, 48]));
  after(() => model.dispose());

  it('pseudo-data main bins are non-negative integers with the model mean and Poisson variance', () => {
    const x = model.suggestedInit();
    const n = 400;
    const sums = [0, 0];
    const sq = [0, 0];
    const key = PRNGKey.fromSeed(4);
    for (let i = 0; i < n; i++) {
      const d = sampleToy(model, x, key.fold(i));
      d.main.forEach((v, b) => {
        assert.ok(Number.isInteger(v) && v >= 0);
        sums[b] += v;
        sq[b] += v * v;
      });
    }
    const rates = model.expected(x);
    for (let b = 0; b < 2; b++) {
      const mean = sums[b] / n;
      const variance = sq[b] / n - mean * mean;
      assertClose(mean, rates[b], 0, 4 * Math.sqrt(rates[b] / n), `mean of bin ${b}`);
      assertClose(variance, rates[b], 0.3, 0, `variance of bin ${b}`);
    }
  });

  it('CLs from toys is reproducible from the key and near the asymptotic value', () => {
    const key = PRNGKey.fromSeed(99);
    const a = toyHypotest(model, model.observedData(), 1, { nToys: 25, key });
    const b = toyHypotest(model, model.observedData(), 1, { nToys: 25, key });
    assert.deepEqual(a, b);
    const asy = new AsymptoticCalculator(model, model.observedData()).hypotest(1);
    assertClose(a.qObs, asy.q, 1e-6, 1e-6, 'observed q~ equals the asymptotic calculator');
    assert.ok(Math.abs(a.clsObs - asy.clsObs) < 0.15, `toys ${a.clsObs} vs asymptotic ${asy.clsObs}`);
    for (let k = 1; k < 5; k++) assert.ok(a.clsExp[k] >= a.clsExp[k - 1], `band ascending: ${a.clsExp}`);
  });
});
