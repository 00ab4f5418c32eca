/** Classifier-based likelihood ratios: reweighting, and a parameterized classifier that fits θ to data. */
import assert from 'node:assert/strict';
import { tf, type Tensor, PRNGKey } from '../../src/autodiff/index.js';
import { trainClassifier, likelihoodRatioWeights, fitParameterWithClassifier } from '../../src/inference/index.js';
import { assertClose } from './helpers.js';

const quad = (x: Tensor) => tf.concat([tf.onesLike(x), x, tf.square(x)], 1);

describe('likelihood ratios by classification', () => {
  const key = PRNGKey.fromSeed(31);
  it('a classifier between N(0,1) and N(0.5,1) learns the log-ratio x/2 − 1/8 and reweights sample 0 to sample 1', () => {
    const z0 = key.fold(0).normals(4000);
    const z1 = key.fold(1).normals(4000);
    const x0 = Array.from(z0, (v) => [v]);
    const x1 = Array.from(z1, (v) => [v + 0.5]);
    const clf = trainClassifier(quad, x0, x1);
    assertClose(clf.weights[1], 0.5, 0, 0.08, 'slope of the log-ratio');
    assertClose(clf.weights[2], 0, 0, 0.05, 'curvature of the log-ratio');
    const w = likelihoodRatioWeights(clf, x0);
    const mean = w.reduce((s, wi, i) => s + wi * x0[i][0], 0) / w.reduce((s, wi) => s + wi, 0);
    assertClose(mean, 0.5, 0, 0.06, 'reweighted mean');
    assert.throws(() => trainClassifier(quad, [[NaN]], x1), /x0\[0\]\[0\]/);
  });

  it('a parameterized classifier f(x, θ) fits θ of N(θ, 1) data by maximizing Σ logit', () => {
    const n = 3000;
    const thetaTrain = Array.from(key.fold(2).uniforms(n), (u) => [2 * u - 1]);
    const thetaRef = Array.from(key.fold(3).uniforms(n), (u) => [2 * u - 1]);
    const z = key.fold(4).normals(n);
    const x1 = Array.from(z, (v, i) => [thetaTrain[i][0] + v]);
    const x0 = Array.from(key.fold(5).normals(n), (v) => [1.5 * v]);
    const features = (x: Tensor, th?: Tensor) => tf.concat([tf.onesLike(x), x, tf.square(x), tf.mul(th!, x), tf.square(th!)], 1);
    const clf = trainClassifier(features, x0, x1, { theta0: thetaRef, theta1: thetaTrain });
    const data = Array.from(key.fold(6).normals(2000), (v) => [0.4 + v]);
    const dataMean = data.reduce((s, d) => s + d[0], 0) / data.length;
    const r = fitParameterWithClassifier(clf, data, [0], { bounds: [[-1, 1]] });
    // The exact MLE of N(θ, 1) is the sample mean, with error 1/√N.
    assertClose(r.theta[0], dataMean, 0, 0.08, 'fitted θ');
    assertClose(r.errors[0], 1 / Math.sqrt(data.length), 0.3, 0, 'θ error');
  });
});
