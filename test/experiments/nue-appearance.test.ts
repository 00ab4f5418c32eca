import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { tf, prngKey, type Tensor } from '../../src/autodiff/index.js';
import { propertyParams, assertClose } from '../../src/autodiff/testing/index.js';
import { asLArTPCTensors } from '../../src/sim/lartpc/index.js';
import { recoParams, type RecoTensors } from '../../src/reco/lartpc/index.js';
import { detectorConfig, detectorParams, recoConfig, generateSample } from '../../experiments/nue-appearance/detector.js';
import { planEvents, DEFAULT_SCORE } from '../../experiments/nue-appearance/chain.js';
import { gradientCheck, holdPlan, sensitivityAt, type ObjectiveParams } from '../../experiments/nue-appearance/objective.js';
import { fitSpectrum, expectedCounts, type Templates } from '../../experiments/nue-appearance/fit.js';
import { checkSpectrumConfig } from '../../experiments/nue-appearance/spectrum.js';
import { nueConfig, runWith } from '../../experiments/nue-appearance/index.js';

const spectrum = checkSpectrumConfig({ edgesGeV: [0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3.25, 4, 6], bandwidthGeV: 0.2, baselineKm: 1300, exposure: 2e4 });

describe('nue-appearance chain', () => {
  it('full-chain gradients of σ(sin²2θ) = finite differences (common random numbers) in detector lifetime, reco lifetime, threshold, pitch, sin²2θ and Δm² (property over event samples)', () => {
    const c = detectorConfig(0.5);
    const rc = recoConfig(c);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const tensorsBefore = tf.memory().numTensors;
        const nue = generateSample(prngKey(seed).fold('e'), 3, 'nue-appearance', 40);
        const numu = generateSample(prngKey(seed).fold('m'), 3, 'numu-disappearance', 40);
        const ps = detectorParams(600);
        const sim = asLArTPCTensors(ps.constantTree());
        const reco = recoParams({ lifetimeUs: 600 }).constantTree() as unknown as RecoTensors;
        const planned = planEvents([...nue.events, ...numu.events], ps, c, prngKey(seed).fold('noise'));
        const x: ObjectiveParams = { 'detector.lifetime': 600, 'electronics.threshold': 7000, 'geometry.pitch': 0.4434, 'reco.lifetime': 600, sin22theta: 0.1, dm2eV2: 2.5e-3 };
        const ctx = holdPlan({ batchEvents: 2, planned, trueGeV: Float32Array.from([...nue.energyGeV, ...numu.energyGeV]), isNue: Uint8Array.from([1, 1, 1, 0, 0, 0]), sim, reco, c, rc, score: DEFAULT_SCORE, spectrum }, x);
        // batches of 2 events: the gradient goes through the chain rule over three batch spectra
        const { value, gradients } = gradientCheck(ctx, x, Object.keys(x) as (keyof ObjectiveParams)[]);
        assertClose(value, sensitivityAt({ ...ctx, batchEvents: 16, plans: undefined }, x), 1e-5, 0, 'σ(sin²2θ) in batches of 2 vs one batch');
        for (const [k, g] of Object.entries(gradients)) {
          const scale = Math.max(Math.abs(g.autodiff), Math.abs(g.finite_difference));
          // the pitch's finite difference is good to a few % only (float32 plateau, see FD_RELATIVE_STEP)
          const rtol = k === 'geometry.pitch' ? 0.08 : 0.03;
          assert.ok(Number.isFinite(g.autodiff) && Math.abs(g.autodiff - g.finite_difference) <= rtol * scale + 1e-12, `${k}: autodiff ${g.autodiff} vs finite difference ${g.finite_difference} (seed ${seed})`);
        }
        tf.dispose([...Object.values(sim).flatMap((g) => Object.values(g) as Tensor[]), ...Object.values(reco).flatMap((g) => Object.values(g) as Tensor[])]);
        assert.equal(tf.memory().numTensors, tensorsBefore, 'tensors left behind by the chain (planning, gradient, finite differences)');
      }),
      propertyParams(2, 41),
    );
  });

  it('fits recover the truth on Asimov data: theory only, and jointly with τ between template nodes', () => {
    const n = 40;
    const u = prngKey(3).uniforms(3 * n);
    const trueGeV = Float32Array.from({ length: n }, (_, i) => 0.8 + 5 * u[i]);
    const isNue = Uint8Array.from({ length: n }, (_, i) => (i < n / 2 ? 1 : 0));
    const base = Array.from({ length: n }, (_, i) => (isNue[i] ? 0.75 * trueGeV[i] : 0.3 + 0.3 * u[n + i]));
    const score = Array.from({ length: n }, (_, i) => (isNue[i] ? 0.95 : 0.02 + 0.03 * u[2 * n + i]));
    // energies scale as exp(k (1/τ_a − 1/τ))-like: linear in 1/τ around the nodes
    const taus = [540, 621, 702];
    const at = (tau: number) => ({ energyGeV: base.map((e) => e * (1 + 40 * (1 / 540 - 1 / tau))), score });
    const nodes: Templates = { tauUs: taus, nodes: taus.map(at), trueGeV, isNue };
    const data: Templates = { tauUs: [600], nodes: [at(600)], trueGeV, isNue };
    const asimov = expectedCounts(data, spectrum, 0.1, 2.5e-3);
    const th = fitSpectrum(asimov, data, spectrum, { start: { sin22theta: 0.12, dm2eV2: 2.3e-3 } });
    assert.ok(Math.abs(th.values[0] - 0.1) < 0.05 * th.errors[0] + 1e-4, `sin²2θ ${th.values[0]} ± ${th.errors[0]}`);
    assert.ok(Math.abs(th.values[1] - 2.5e-3) < 0.05 * th.errors[1] + 1e-7, `Δm² ${th.values[1]} ± ${th.errors[1]}`);
    const predicted = taus.map((t) => 1 / 540 - 1 / t);
    const joint = fitSpectrum(asimov, nodes, spectrum, { start: { sin22theta: 0.1, dm2eV2: 2.5e-3, tauUs: 540 }, calibration: { slope: 1 / 540 - 1 / 600, sigma: 2e-5, predicted } });
    assert.ok(Math.abs(joint.values[2] - 600) < 0.2 * joint.errors[2] + 0.5, `τ ${joint.values[2]} ± ${joint.errors[2]}`);
    assert.ok(joint.objectiveMin < 0.01 && joint.objectiveStart > 10, `objective ${joint.objectiveStart} → ${joint.objectiveMin}`);
    assert.throws(() => fitSpectrum([1, 2], data, spectrum, { start: { sin22theta: 0.1, dm2eV2: 2.5e-3 } }), /counts/);
    assert.throws(() => fitSpectrum(asimov, data, spectrum, { start: { sin22theta: 0.1, dm2eV2: 2.5e-3 }, calibration: { slope: 0, sigma: 1, predicted: [0] } }), /templates\.nodes/);
    assert.throws(() => checkSpectrumConfig({ ...spectrum, exposure: -1 }), /exposure/);
  });

  it('a tiny run writes results.json with gradients, objectives, fitted values, truth and pulls, and resumes from its checkpoint', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nue-'));
    try {
      const cfg = { ...nueConfig(true), nNue: 3, nNumu: 3, nCalibration: 4, maxTrackCm: 30, pseudoExperiments: 3, spectrum };
      const opts = { quick: true, seed: 5, out, resume: false, progress: false };
      const r1 = await runWith(opts, cfg);
      const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
      for (const k of ['gradients', 'objective_before', 'objective_after', 'fitted', 'truth', 'pulls']) assert.ok(k in res, `results.json lacks ${k}`);
      for (const k of ['detector.lifetime', 'geometry.pitch', 'electronics.threshold', 'sin22theta', 'dm2eV2']) {
        assert.ok(Number.isFinite(res.gradients[k].autodiff) && Number.isFinite(res.gradients[k].finite_difference), `gradient ${k}`);
      }
      assert.equal(res.pulls.n, 3);
      assert.equal(res.miscalibration.pseudo_experiments.n, 3);
      assert.ok(Number.isFinite(res.miscalibration.pseudo_experiments.joint.lifetimeUs.mean));
      assert.ok(res.objective_after <= res.objective_before);
      for (const f of ['spectrum.png', 'features.png', 'pulls.png', 'miscalibration.png']) assert.ok(existsSync(join(out, f)), f);
      const r2 = await runWith({ ...opts, resume: true }, cfg);
      const res2 = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
      assert.deepEqual(res2.gradients, res.gradients);
      assert.deepEqual(res2.pulls, res.pulls);
      assert.ok(r2.summary.length > 0 && r1.summary.length > 0);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
