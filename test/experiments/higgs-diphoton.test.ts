import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { tf, prngKey, DomainError, type Tensor } from '../../src/autodiff/index.js';
import { assertGradClose, propertyParams } from '../../src/autodiff/testing/index.js';
import { HistFactoryModel, AsymptoticCalculator, validateWorkspace } from '../../src/inference/index.js';
import { eventSample } from '../../experiments/higgs-diphoton/sample.js';
import { chainParams, chainEvents, templates, type ChainPoint } from '../../experiments/higgs-diphoton/chain.js';
import { significanceOfTree, templatesAt } from '../../experiments/higgs-diphoton/significance.js';
import { expectedSignificance, expectedSignificanceValue, type PlainTemplates } from '../../experiments/higgs-diphoton/model.js';
import { naturalSpline, massModel, fitMass, pseudoData } from '../../experiments/higgs-diphoton/massfit.js';
import { runWithConfig, gradientCheck, type Config } from '../../experiments/higgs-diphoton/index.js';
import { RESOLUTION_OPTIMUM } from '../../experiments/higgs-diphoton/setup.js';
import { calibrationOffsets } from '../../experiments/higgs-diphoton/calibrate.js';

const L = 20;
const base: ChainPoint = { ...RESOLUTION_OPTIMUM, calibration: Array.from({ length: L }, (_, l) => 0.15 + 0.01 * (l % 4)) };

/** The pyhf workspace of the chain's model (signal: normfactor mu; continuum: normfactor theta_b; three shared histosys). */
function workspace(t: PlainTemplates): unknown {
  const names = ['energy_scale', 'resolution', 'background_shape'];
  const hs = (up: number[][], dn: number[][]) => names.map((name, k) => ({ name, type: 'histosys', data: { hi_data: up[k], lo_data: dn[k] } }));
  return {
    version: '1.0.0',
    channels: [{ name: 'mgg', samples: [
      { name: 'signal', data: t.signal, modifiers: [{ name: 'mu', type: 'normfactor', data: null }, ...hs(t.signalUp, t.signalDown)] },
      { name: 'continuum', data: t.background, modifiers: [{ name: 'theta_b', type: 'normfactor', data: null }, ...hs(t.backgroundUp, t.backgroundDown)] },
    ] }],
    observations: [{ name: 'mgg', data: t.signal.map((s, i) => s + t.background[i]) }],
    measurements: [{ name: 'm', config: { poi: 'mu', parameters: [] } }],
  };
}

describe('higgs-diphoton chain', () => {
  it('full-chain gradients of Z vs finite differences (common random numbers): a layer thickness, the cell size, a calibration constant, mass, μ, continuum slope (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), (seed) => {
        const sample = eventSample(prngKey(seed), 60, 120);
        const onehot = (i: number) => Float32Array.from({ length: L }, (_, l) => (l === i ? 1 : 0));
        const f = (p: unknown) => {
          const q = p as Record<string, Tensor>;
          const c = chainParams(base);
          return significanceOfTree({
            ...c,
            absorberCm: tf.add(c.absorberCm, tf.mul(tf.tensor1d(onehot(4)), q.a4)),
            activeCm: tf.add(c.activeCm, tf.mul(tf.tensor1d(onehot(12)), q.g12)),
            cellSizeCm: tf.add(c.cellSizeCm, q.ds),
            calibration: tf.add(c.calibration, tf.mul(tf.tensor1d(onehot(6)), q.d6)),
            mass: tf.add(c.mass, q.dm),
            mu: tf.add(c.mu, q.dmu),
            slope: tf.add(c.slope, q.dslope),
          }, sample);
        };
        const scales: Record<string, number> = { a4: 0.46, g12: 0.35, ds: 2.74, d6: 1, dm: 2.5, dmu: 1, dslope: 2 };
        assertGradClose(f, { a4: 0, g12: 0, ds: 0, d6: 0, dm: 0, dmu: 0, dslope: 0 }, { eps: 2e-2, scale: (n) => scales[n], rtol: 3e-2, atol: 6e-3, richardson: true });
      }),
      propertyParams(2, 31),
    );
  });

  it('Z equals √q0 of the same pyhf workspace through the HistFactory calculator, and its float64 host value', () => {
    const t = templatesAt(base, eventSample(prngKey(4), 100, 200));
    const z = tf.tidy(() => {
      const T = (a: number[]) => tf.tensor1d(a);
      return expectedSignificance({ signal: T(t.signal), background: T(t.background), signalUp: t.signalUp.map(T), signalDown: t.signalDown.map(T), backgroundUp: t.backgroundUp.map(T), backgroundDown: t.backgroundDown.map(T) }).dataSync()[0];
    });
    const host = expectedSignificanceValue(t);
    const model = new HistFactoryModel(validateWorkspace(workspace(t)));
    const q0 = new AsymptoticCalculator(model, model.observedData(), { testStat: 'q0' }).testStatistics(0).q;
    assert.ok(Math.abs(z - host) < 1e-4 * host, `tensor ${z} host ${host}`);
    assert.ok(Math.abs(host - Math.sqrt(q0)) < 2e-3 * host, `host ${host} HistFactory ${Math.sqrt(q0)}`);
  });

  it('the chain reconstructs the resonance: with least-squares calibration the mass peak lies within 1.5 GeV of the truth, resolution 1-5 GeV; no tensor left behind', () => {
    const before = tf.memory().numTensors;
    const calibration = calibrationOffsets(RESOLUTION_OPTIMUM, eventSample(prngKey(7), 300, 1));
    const sample = eventSample(prngKey(8), 200, 1);
    const { m, mt } = tf.tidy(() => {
      const ev = chainEvents(chainParams({ ...RESOLUTION_OPTIMUM, calibration }), sample);
      templates(ev);
      return { m: Array.from(ev.massReco.dataSync()).slice(0, sample.nSignalAccepted), mt: Array.from(ev.massTrue.dataSync()).slice(0, sample.nSignalAccepted) };
    });
    assert.equal(tf.memory().numTensors, before);
    const d = m.map((v, i) => v - mt[i]).sort((a, b) => a - b);
    const median = d[Math.floor(d.length / 2)];
    const iqrSigma = (d[Math.floor(0.75 * d.length)] - d[Math.floor(0.25 * d.length)]) / 1.349;
    assert.ok(Math.abs(median) < 1.5, `median bias ${median}`);
    assert.ok(iqrSigma > 1 && iqrSigma < 5, `resolution ${iqrSigma}`);
  });

  it('mass fit: the spline is exact for a cubic; an Asimov fit returns the truth; pulls from Poisson pseudo-data are finite', () => {
    const s = naturalSpline([0, 1, 2, 3, 4], [0, 1, 4, 9, 16]);
    assert.ok(Math.abs(s(2.5) - 6.25) < 0.05);
    const bins = 10;
    const shape = (M: number) => Array.from({ length: bins }, (_, i) => 50 * Math.exp(-0.5 * ((112 + 3 * i - M) / 2.5) ** 2));
    const b = Array.from({ length: bins }, (_, i) => 400 * Math.exp(-0.05 * i));
    const bVar = (sgn: number) => [b.map((v) => v * (1 + sgn * 0.01)), b.map((v) => v * (1 + sgn * 0.005)), b.map((v, i) => v * (1 + (sgn * 0.02 * (i - 5)) / 5))];
    const grid = [121, 122, 123, 124, 125, 126, 127, 128, 129];
    const tpl: PlainTemplates = { signal: shape(125), background: b, signalUp: [shape(125.6), shape(125), shape(125)], signalDown: [shape(124.4), shape(125), shape(125)], backgroundUp: bVar(1), backgroundDown: bVar(-1) };
    const model = massModel(grid, grid.map(shape), tpl);
    const asimov = model.signal(125).map((v, i) => v + b[i]);
    const fit = fitMass(model, asimov, [0, 0, 0], [124, 0.8, 1, 0, 0, 0]);
    assert.ok(Math.abs(fit.values[0] - 125) < 0.02 && Math.abs(fit.values[1] - 1) < 0.02, JSON.stringify(fit.values));
    assert.ok(fit.errors[0] > 0 && fit.errors[0] < 5);
    const d = pseudoData(model, 125, 1, prngKey(3));
    const f2 = fitMass(model, d.n, d.aux, [125, 1, 1, 0, 0, 0]);
    assert.ok(f2.values.every(Number.isFinite) && f2.errors.every(Number.isFinite));
  });

  it('a tiny run writes results.json with gradients, objectives, fit, truth and pulls, and resumes to the same result', async function () {
    this.timeout(240000);
    const out = mkdtempSync(join(tmpdir(), 'higgs-diphoton-'));
    const cfg: Config = { fd: [30, 60], calibrationEvents: 60, fdParameters: ['absorberCm[4]', 'calibration[6]', 'mu'], fdStep: 2e-2, template: [60, 120], massGrid: [122, 123, 124, 125, 126, 127, 128], pseudoExperiments: 4, pseudoExperimentsCheck: 20, steps: 2, batch: [30, 60], learningRate: 0.03, evalSamples: 2, evalSize: [30, 60] };
    try {
      const before = tf.memory().numTensors;
      await runWithConfig({ quick: true, seed: 3, out, resume: true, progress: false }, cfg);
      assert.equal(tf.memory().numTensors, before, 'the run leaks no tensors');
      const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
      for (const k of ['gradients', 'gradient_profile', 'objective_before', 'objective_after', 'fitted', 'truth', 'pulls']) assert.ok(k in r, k);
      assert.equal(r.gradient_profile.absorberCm.length, 20);
      for (const e of Object.values(r.gradients) as { autodiff: number; finite_difference: number }[]) assert.ok(Number.isFinite(e.autodiff) && Number.isFinite(e.finite_difference));
      assert.equal(r.pulls.mass.values.length, 4);
      assert.equal(r.pulls.check.pseudo_experiments, 20);
      assert.ok(r.pulls.check.mass.width > 0.5 && r.pulls.check.mass.width < 1.6, JSON.stringify(r.pulls.check));
      assert.ok(Math.abs(r.design_after.cost - r.design_before.cost) < 1e-6 * r.design_before.cost, 'equal cost');
      for (const png of ['mass.png', 'pulls.png', 'optimization.png', 'optimization-design.png', 'gradients.png', 'gradient-profile.png']) assert.ok(existsSync(join(out, png)), png);
      // Interrupt: drop the last two pseudo-experiments and the comparison, as a killed run leaves them; resume.
      const stateFile = join(out, 'state.json');
      const st = JSON.parse(readFileSync(stateFile, 'utf8'));
      // Interrupt also the gradient stage after its first element.
      const firstName = Object.keys(st.gradients.entries)[0];
      writeFileSync(stateFile, JSON.stringify({ ...st, fits: st.fits.slice(0, 2), comparison: undefined, gradients: undefined, gradientsPartial: { [firstName]: st.gradients.entries[firstName] } }));
      rmSync(join(out, 'results.json'));
      await runWithConfig({ quick: true, seed: 3, out, resume: true, progress: false }, cfg);
      const r2 = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
      assert.deepEqual(r2.pulls.mass.values, r.pulls.mass.values);
      assert.deepEqual(r2.gradients, r.gradients);
      assert.equal(r2.objective_after, r.objective_after);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('bad inputs name the field', () => {
    assert.throws(() => eventSample(prngKey(1), 0, 10), (e: unknown) => e instanceof DomainError && /nSignal/.test((e as Error).message));
    assert.throws(() => naturalSpline([1, 2], [1, 2]), /at least 3/);
    const sample = eventSample(prngKey(1), 5, 5);
    assert.throws(() => gradientCheck(base, sample, ['thickness'], 0.02), (e: unknown) => e instanceof DomainError && /fdParameters/.test((e as Error).message) && /thickness/.test((e as Error).message));
    assert.throws(() => gradientCheck(base, sample, ['absorberCm[20]'], 0.02), (e: unknown) => e instanceof DomainError && /absorberCm\[20\]/.test((e as Error).message));
    assert.throws(() => gradientCheck(base, sample, ['mass'], 0), (e: unknown) => e instanceof DomainError && /fdStep/.test((e as Error).message));
  });
});
