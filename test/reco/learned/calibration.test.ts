import { strict as assert } from 'node:assert';
import { tf, prngKey, ParamSet, adam, cosineDecay } from '../../../src/autodiff/index.js';
import {
  vectorNetwork,
  gaussianAnsatz,
  gaussianAnsatzLoss,
  squaredErrorLoss,
  trainOnBatches,
  predict,
  predictAnsatz,
  fitSummaryLikelihood,
  invertSummaryLikelihood,
  sampleEnergies,
  responseInBins,
  pairedResponseDifference,
  accuracy,
  rocAuc,
  type EnergyPrior,
  type HostArray,
} from '../../../src/reco/learned/index.js';

// A known linear response x = a E + b + σ ε: the maximum-likelihood estimate (x − b)/a is unbiased for
// every E whatever the spectrum, while the posterior mean E[E | x] is pulled towards the spectrum's bulk
// by ≈ σ_E² d ln p/dE (σ_E = σ/a): for p ∝ E^−k, −k σ_E²/E.
const A = 2;
const B = 1;
const SIGMA = 0.6;
const RANGE = { minGeV: 1, maxGeV: 5 };
const EDGES = [1.5, 2, 2.5, 3, 3.5, 4, 4.5];

function linearData(prior: EnergyPrior, n: number, seed: number): { x: Float32Array; e: Float32Array } {
  const e = sampleEnergies(prior, n, prngKey(seed));
  const z = prngKey(seed).fold('noise').normals(n);
  return { x: Float32Array.from(e, (v, i) => A * v + B + SIGMA * z[i]), e: Float32Array.from(e) };
}

const feat = (x: Float32Array): HostArray => ({ data: Float32Array.from(x, (v) => (v - 7) / 4), shape: [x.length, 1] });

describe('reco/learned maximum-likelihood calibration', function () {
  this.timeout(300000);
  const priors: EnergyPrior[] = [
    { ...RANGE, index: 0 },
    { ...RANGE, index: 3 },
  ];
  const test = linearData({ ...RANGE, index: 0 }, 4000, 99);
  const results: { mse: Float32Array; ml: Float32Array; inv: Float32Array; sigma: Float32Array }[] = [];

  before(() => {
    for (const [i, prior] of priors.entries()) {
      const d = linearData(prior, 4000, 10 + i);
      const data = {
        features: feat(d.x),
        target: { data: Float32Array.from(d.e, (v) => (v - 3) / 2), shape: [d.e.length] },
      };
      const steps = 400;
      const mseNet = vectorNetwork({ inDim: 1, hidden: [16, 16], outDim: 1 });
      const rm = trainOnBatches({ params: new ParamSet(mseNet.init(prngKey(1))), data, batchSize: 256, steps, key: prngKey(2), optimizer: adam({ learningRate: cosineDecay(1e-2, steps) }), loss: (p, b) => squaredErrorLoss(mseNet.apply(p, b), b.target) });
      const ga = gaussianAnsatz(vectorNetwork({ inDim: 1, hidden: [16, 16], outDim: 3 }));
      const rg = trainOnBatches({ params: new ParamSet(ga.init(prngKey(1))), data, batchSize: 256, steps, key: prngKey(3), optimizer: adam({ learningRate: cosineDecay(1e-2, steps) }), loss: (p, b) => gaussianAnsatzLoss(ga, p, b, b.target, { marginalPairs: 16 }) });
      const lik = fitSummaryLikelihood(d.x, d.e, { ...RANGE, key: prngKey(4), steps: 400 });
      const est = predictAnsatz(ga, rg.params, { features: feat(test.x) });
      results.push({
        mse: Float32Array.from(predict(mseNet, rm.params, { features: feat(test.x) }), (v) => 3 + 2 * v),
        ml: Float32Array.from(est.z, (v) => 3 + 2 * v),
        sigma: Float32Array.from(est.sigma, (v) => 2 * v),
        inv: invertSummaryLikelihood(lik, test.x),
      });
    }
  });

  it('the squared-error regression depends on the training spectrum: its response differs by > 1.5 % at 1.5–3.5 GeV', () => {
    const d = pairedResponseDifference(test.e, results[0].mse, results[1].mse, EDGES);
    for (const bin of d.slice(0, 4)) assert.ok(bin.mean > 0.015 && bin.mean > 5 * bin.stdErr, `MSE difference ${bin.mean} ± ${bin.stdErr} in [${bin.loGeV}, ${bin.hiGeV})`);
    // the falling spectrum pulls estimates down: response < 1 in the bulk
    const r1 = responseInBins(test.e, results[1].mse, EDGES);
    assert.ok(r1[2].mean < 0.97, `falling-spectrum response ${r1[2].mean}`);
  });

  it('the Gaussian-Ansatz estimate is unbiased for both spectra and differs between them by < 1.5 % (MSE: 2–9 %)', () => {
    for (const r of results) {
      for (const bin of responseInBins(test.e, r.ml, EDGES)) assert.ok(Math.abs(bin.mean - 1) < 0.025, `Ansatz response ${bin.mean} ± ${bin.stdErr} in [${bin.loGeV}, ${bin.hiGeV})`);
    }
    const d = pairedResponseDifference(test.e, results[0].ml, results[1].ml, EDGES);
    for (const bin of d) assert.ok(Math.abs(bin.mean) < 0.015, `Ansatz difference ${bin.mean} in [${bin.loGeV}, ${bin.hiGeV})`);
  });

  it('the Ansatz width is the resolution σ/a of the known response (within 15 %)', () => {
    for (const r of results) {
      const inner = Array.from(r.sigma).filter((_, i) => test.e[i] > 1.5 && test.e[i] < 4.5);
      const m = inner.reduce((s, v) => s + v, 0) / inner.length;
      assert.ok(Math.abs(m / (SIGMA / A) - 1) < 0.15, `mean width ${m} vs ${SIGMA / A}`);
    }
  });

  it('inverting the fitted likelihood p(x | E) is unbiased for both spectra within 3 % (the E^−3 spectrum has 2 % of its events above 4 GeV)', () => {
    for (const r of results) {
      for (const bin of responseInBins(test.e, r.inv, EDGES)) assert.ok(Math.abs(bin.mean - 1) < 0.03, `inversion response ${bin.mean} in [${bin.loGeV}, ${bin.hiGeV})`);
    }
    const d = pairedResponseDifference(test.e, results[0].inv, results[1].inv, EDGES);
    for (const bin of d.slice(0, 4)) assert.ok(Math.abs(bin.mean) < 0.015, `inversion difference ${bin.mean} in [${bin.loGeV}, ${bin.hiGeV})`);
    for (const bin of d.slice(4)) assert.ok(Math.abs(bin.mean) < 0.03, `inversion difference ${bin.mean} in [${bin.loGeV}, ${bin.hiGeV})`);
  });

  it('metrics: response, paired difference, accuracy and AUC on known values; bad input named', () => {
    const r = responseInBins([1, 2, 4], [1.1, 2, 4], [0, 3, 5]);
    assert.ok(Math.abs(r[0].mean - 1.05) < 1e-12 && r[0].count === 2 && r[1].mean === 1);
    const d = pairedResponseDifference([2, 2], [2.2, 2.4], [2, 2], [1, 3]);
    assert.ok(Math.abs(d[0].mean - 0.15) < 1e-12);
    assert.equal(accuracy([0.9, 0.2, 0.6], [1, 0, 0]), 2 / 3);
    assert.equal(rocAuc([0.9, 0.8, 0.1], [1, 0, 0]), 1);
    assert.equal(rocAuc([0.5, 0.5], [1, 0]), 0.5);
    assert.throws(() => rocAuc([0.1, 0.2], [1, 1]), /both classes/);
    assert.throws(() => responseInBins([1, NaN], [1, 1], [0, 2]), /eTrue\[1\]/);
    assert.throws(() => responseInBins([1, 2], [1], [0, 2]), /ePred/);
    assert.throws(() => responseInBins([1], [1], [2, 1]), /edges\[1\]/);
    assert.throws(() => invertSummaryLikelihood({ params: new ParamSet({}), minGeV: 1, maxGeV: 2, sScale: 1, finalNll: 0 }, [NaN]), /summary\[0\]/);
    assert.equal(tf.memory().numTensors >= 0, true);
  });
});
