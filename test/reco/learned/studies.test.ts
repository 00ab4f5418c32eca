import { strict as assert } from 'node:assert';
import { tf, DomainError } from '../../../src/autodiff/index.js';
import { priorDependenceStudy, particleIdStudy } from '../../../src/reco/learned/index.js';

describe('reco/learned studies (small runs)', function () {
  this.timeout(300000);

  it('prior-dependence study: every bin filled and finite, paired errors finite, reproducible, no tensor left behind', () => {
    const before = tf.memory().numTensors;
    const opts = { summaryEvents: 300, calibrationEvents: 300, testEvents: 300, summarySteps: 20, calibrationSteps: 20, seed: 3 };
    const r = priorDependenceStudy(opts);
    assert.equal(tf.memory().numTensors, before);
    assert.equal(r.edges.length, 10);
    for (const est of [r.mse, r.inversion, r.ml]) {
      for (const bins of [est.response[0], est.response[1], est.difference, est.seedDifference]) {
        assert.equal(bins.length, 9);
        for (const b of bins) assert.ok(b.count > 1 && Number.isFinite(b.mean) && b.stdErr >= 0, JSON.stringify(b));
      }
      assert.ok(Number.isFinite(est.meanAbsPull) && est.maxAbsDifference >= 0);
    }
    assert.equal(r.events.test, 300);
    const again = priorDependenceStudy(opts);
    assert.deepEqual(again.ml.difference, r.ml.difference);
    assert.throws(() => priorDependenceStudy({ priors: [{ minGeV: 1, maxGeV: 20, index: 0 }, { minGeV: 2, maxGeV: 20, index: 2 }] }), (e: Error) => e instanceof DomainError && /priors/.test(e.message));
  });

  it('identification study: accuracy and AUC in [0, 1] for both classifiers and the two baselines', () => {
    const r = particleIdStudy({ trainPerClass: 40, testPerClass: 40, steps: 5, seed: 2 });
    assert.ok(r.set && r.cnn);
    for (const c of [r.fisher, r.bestCut]) assert.ok(c.accuracy >= 0 && c.accuracy <= 1 && c.auc >= 0 && c.auc <= 1, JSON.stringify(c));
    for (const c of [r.set, r.cnn]) assert.ok(c.accuracy >= 0 && c.accuracy <= 1 && c.auc >= 0 && c.auc <= 1 && Number.isFinite(c.finalLoss), JSON.stringify(c));
  });
});
