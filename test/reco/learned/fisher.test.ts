import { strict as assert } from 'node:assert';
import { tf, prngKey, special, DomainError, NonFiniteError } from '../../../src/autodiff/index.js';
import { calorimeter } from '../../../src/sim/calo/index.js';
import {
  fitFisherDiscriminant,
  fisherScores,
  bestSingleCut,
  sectionShowerShapes,
  particleIdStudy,
  rocAuc,
  accuracy,
  STUDY_CALORIMETER,
  type HostArray,
} from '../../../src/reco/learned/index.js';

// Two Gaussian classes in 3 variables with a common, correlated covariance Σ = A Aᵀ.
const A = [
  [1.0, 0.0, 0.0],
  [0.6, 0.8, 0.0],
  [-0.3, 0.5, 0.5],
];
const MU0 = [0, 0, 0];
const MU1 = [0.9, 0.2, -0.6];

function gaussianClasses(nPerClass: number, seed: number): { x: HostArray; labels: Float32Array } {
  const z = prngKey(seed).fold('gaussian-classes').normals(2 * nPerClass * 3);
  const data = new Float32Array(2 * nPerClass * 3);
  const labels = new Float32Array(2 * nPerClass);
  for (let i = 0; i < 2 * nPerClass; i++) {
    const l = i % 2;
    labels[i] = l;
    const mu = l === 1 ? MU1 : MU0;
    for (let r = 0; r < 3; r++) {
      let v = mu[r];
      for (let c = 0; c < 3; c++) v += A[r][c] * z[i * 3 + c];
      data[i * 3 + r] = v;
    }
  }
  return { x: { data, shape: [2 * nPerClass, 3] }, labels };
}

/** Σ⁻¹ δ by Gaussian elimination (an independent solve from the module's Cholesky). */
function optimalDirection(): number[] {
  const sigma = A.map((ri) => A.map((rj) => ri.reduce((s, v, k) => s + v * rj[k], 0)));
  const m = sigma.map((row, i) => [...row, MU1[i] - MU0[i]]);
  for (let c = 0; c < 3; c++) {
    for (let r = c + 1; r < 3; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k < 4; k++) m[r][k] -= f * m[c][k];
    }
  }
  const w = [0, 0, 0];
  for (let r = 2; r >= 0; r--) w[r] = (m[r][3] - m.slice(r + 1).reduce((s, row, k) => s + m[r][r + 1 + k] * w[r + 1 + k], 0)) / m[r][r];
  return w;
}

describe('reco/learned Fisher discriminant', function () {
  this.timeout(60000);

  it('recovers Σ⁻¹Δμ on Gaussian classes; test AUC = Φ(Δ/√2) and accuracy = Φ(Δ/2) within 0.012; scores are the log odds', () => {
    const train = gaussianClasses(4000, 1);
    const test = gaussianClasses(20000, 2);
    const f = fitFisherDiscriminant(train.x, train.labels);
    const wStar = optimalDirection();
    const delta = Math.sqrt(wStar.reduce((s, w, i) => s + w * (MU1[i] - MU0[i]), 0));
    // Angle in the metric of Σ (the one that sets the separation): its sampling error here is ≈ √(2·2/4000)/Δ ≈ 0.03 rad, 1 − cos ≈ 5e-4.
    const sigma = A.map((ri) => A.map((rj) => ri.reduce((t, v, k) => t + v * rj[k], 0)));
    const dot = (u: ArrayLike<number>, v: ArrayLike<number>): number => sigma.reduce((t, row, i) => t + u[i] * row.reduce((q, sij, j) => q + sij * v[j], 0), 0);
    const cos = dot(f.weights, wStar) / Math.sqrt(dot(f.weights, f.weights) * dot(wStar, wStar));
    assert.ok(cos > 0.995, `cos_Σ(w, Σ⁻¹Δμ) = ${cos}`);
    assert.ok(Math.abs(f.separation - delta) < 0.05 * delta, `Δ fitted ${f.separation} vs ${delta}`);
    const s = fisherScores(f, test.x);
    const auc = rocAuc(s, test.labels);
    const acc = accuracy(s, test.labels, 0);
    assert.ok(Math.abs(auc - special.normalCdf(delta / Math.SQRT2)) < 0.012, `AUC ${auc} vs Φ(Δ/√2) = ${special.normalCdf(delta / Math.SQRT2)} (Δ = ${delta})`);
    assert.ok(Math.abs(acc - special.normalCdf(delta / 2)) < 0.012, `accuracy ${acc} vs Φ(Δ/2) = ${special.normalCdf(delta / 2)}`);
    // The true log odds: w*·x − w*·(μ0 + μ1)/2 (equal priors).
    const c = wStar.reduce((t, w, i) => t + (w * (MU0[i] + MU1[i])) / 2, 0);
    let dev = 0;
    for (let i = 0; i < 1000; i++) dev += Math.abs(s[i] - (wStar.reduce((t, w, k) => t + w * test.x.data[i * 3 + k], 0) - c));
    assert.ok(dev / 1000 < 0.05, `mean |score − true log odds| = ${dev / 1000}`);
  });

  it('scores do not change when a variable changes unit or origin', () => {
    const { x, labels } = gaussianClasses(500, 3);
    const y = { data: Float32Array.from(x.data, (v, i) => (i % 3 === 1 ? 10 * v + 4 : v)), shape: x.shape };
    const a = fisherScores(fitFisherDiscriminant(x, labels), x);
    const b = fisherScores(fitFisherDiscriminant(y, labels), y);
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-4 * (1 + Math.abs(v)), `${i}: ${v} vs ${b[i]}`));
  });

  it('bad input: NaN, one class empty, a label not 0/1, a constant or redundant variable — errors name field and value', () => {
    const { x, labels } = gaussianClasses(20, 4);
    const nan = { data: Float32Array.from(x.data), shape: x.shape };
    nan.data[2 * 3 + 1] = NaN;
    assert.throws(() => fitFisherDiscriminant(nan, labels), (e: Error) => e instanceof NonFiniteError && /features\[event 2, variable 1\]/.test(e.message) && /NaN/.test(e.message));
    assert.throws(() => fitFisherDiscriminant(x, new Float32Array(40)), (e: Error) => e instanceof DomainError && /labels/.test(e.message) && /class1.*0/.test(e.message));
    const bad = Float32Array.from(labels);
    bad[3] = 2;
    assert.throws(() => fitFisherDiscriminant(x, bad), (e: Error) => e instanceof DomainError && /labels\[3\]/.test(e.message) && /2/.test(e.message));
    const constant = { data: Float32Array.from(x.data, (v, i) => (i % 3 === 2 ? 1.5 : v)), shape: x.shape };
    assert.throws(() => fitFisherDiscriminant(constant, labels), (e: Error) => e instanceof DomainError && /features\[:, 2\]/.test(e.message));
    const redundant = { data: Float32Array.from(x.data, (v, i) => (i % 3 === 2 ? x.data[i - 2] - 2 * x.data[i - 1] : v)), shape: x.shape };
    assert.throws(() => fitFisherDiscriminant(redundant, labels), (e: Error) => e instanceof DomainError && /features\[:, 2\]/.test(e.message) && /singular/.test(e.message));
    assert.throws(() => fisherScores(fitFisherDiscriminant(x, labels), { data: new Float32Array(4), shape: [2, 2] }), /features\.shape\[1\]/);
    assert.throws(() => bestSingleCut(nan, labels), (e: Error) => e instanceof DomainError && /features\[event 2, variable 1\]/.test(e.message) && /NaN/.test(e.message));
  });

  it('best single cut: finds the separating variable and direction; tie-free midpoint cut', () => {
    // variable 0: noise; variable 1: electrons (1) below 0, photons above.
    const data = Float32Array.from([0.3, -2, 0.1, 1, -0.2, -1, 0.5, 3, 0.0, -0.5, 0.4, 0.5]);
    const labels = [1, 0, 1, 0, 1, 0];
    const c = bestSingleCut({ data, shape: [6, 2] }, labels);
    assert.deepEqual(c, { variable: 1, cut: 0, electronsAbove: false, accuracy: 1 });
  });

  it('section shower shapes: one cell in the first section gives its mid-depth, front fraction 1, zero width, ln E', () => {
    const calo = calorimeter(STUDY_CALORIMETER);
    const img = new Float32Array(7 * 7 * 6);
    img[(3 * 7 + 3) * 6 + 0] = 50; // 5 GeV at scale 0.1, centre cell, section 0
    const v = sectionShowerShapes(calo, { data: img, shape: [1, 7, 7, 6] }, 6, 0.1);
    assert.deepEqual(v.names, ['depthCm', 'frontFraction', 'fraction1', 'fraction2', 'fraction3', 'lateralWidthCm', 'lnVisibleGeV']);
    const [depth, front, f1, f2, f3, width, lnE] = v.features.data;
    assert.ok(Math.abs(depth - 1.2) < 1e-5, `depth ${depth}`); // layers of 0.6 cm: mid-depths 0.3, 0.9, 1.5, 2.1
    assert.ok(Math.abs(front - 1) < 1e-6 && f1 === 0 && f2 === 0 && f3 === 0 && width < 1e-3, `${front} ${f1} ${width}`);
    assert.ok(Math.abs(lnE - Math.log(5)) < 1e-6, `${lnE}`);
    assert.throws(() => sectionShowerShapes(calo, { data: new Float32Array(7 * 7 * 3), shape: [1, 7, 7, 3] }, 3, 0.1), (e: Error) => e instanceof DomainError && /sections/.test(e.message) && /3/.test(e.message));
  });

  it('identification study: baseline rows (Fisher, best cut) separate electrons from photons, do not depend on the networks, leave no tensor', () => {
    const before = tf.memory().numTensors;
    const r = particleIdStudy({ trainPerClass: 300, testPerClass: 300, seed: 1, networks: false });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(r.set, undefined);
    assert.equal(r.cnn, undefined);
    assert.deepEqual(Object.keys(r.fisher.weights), Object.keys(r.variableAuc));
    assert.ok(r.fisher.auc > 0.7 && r.fisher.accuracy > 0.65, JSON.stringify(r.fisher));
    assert.ok(r.bestCut.auc > 0.6 && r.bestCut.accuracy > 0.6 && r.bestCut.variable in r.variableAuc, JSON.stringify(r.bestCut));
    assert.ok(r.fisher.auc > r.bestCut.auc, `Fisher ${r.fisher.auc} vs best cut ${r.bestCut.auc}`);
    const withNets = particleIdStudy({ trainPerClass: 300, testPerClass: 300, seed: 1, steps: 2 });
    assert.ok(withNets.set && withNets.cnn);
    assert.deepEqual(withNets.fisher, r.fisher);
    assert.deepEqual(withNets.bestCut, r.bestCut);
  });
});
