/** MIGRAD/HESSE/MINOS on known problems, Asimov significance formulas vs profile-likelihood fits, the CLI commands. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tf, type Tensor } from '../../src/autodiff/index.js';
import { checkGrad, propertyParams } from '../../src/autodiff/testing/index.js';
import {
  migrad, hesse, minosInterval, profileScan, HistFactoryModel, AsymptoticCalculator, upperLimitRoot, upperLimitScan, linspace,
  asimovSignificance, asimovSignificanceWithUncertainty, asimovSignificanceValue, type Objective,
} from '../../src/inference/index.js';
import { buildProgram } from '../../src/cli/main.js';
import { assertClose, assertAllClose, assertGradOk, uncorrelatedBackground, VALIDATION_DIR } from './helpers.js';

/** A correlated 2-D Gaussian NLL with known covariance. */
function gaussianObjective(mean: number[], cov: number[][]): Objective {
  const det = cov[0][0] * cov[1][1] - cov[0][1] * cov[1][0];
  const inv = [[cov[1][1] / det, -cov[0][1] / det], [-cov[1][0] / det, cov[0][0] / det]];
  const d = (x: number[]) => [x[0] - mean[0], x[1] - mean[1]];
  return {
    value: (x) => {
      const v = d(x);
      return 0.5 * (v[0] * (inv[0][0] * v[0] + inv[0][1] * v[1]) + v[1] * (inv[1][0] * v[0] + inv[1][1] * v[1]));
    },
    gradient: (x) => {
      const v = d(x);
      return [inv[0][0] * v[0] + inv[0][1] * v[1], inv[1][0] * v[0] + inv[1][1] * v[1]];
    },
    hessian: () => inv,
  };
}

describe('MIGRAD, HESSE, MINOS', () => {
  it('finds the minimum of a correlated Gaussian NLL; HESSE returns its covariance; MINOS gives ±σ (property over covariances)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.2, max: 3, noNaN: true }), fc.double({ min: 0.2, max: 3, noNaN: true }), fc.double({ min: -0.8, max: 0.8, noNaN: true }), (s1, s2, rho) => {
        const cov = [[s1 * s1, rho * s1 * s2], [rho * s1 * s2, s2 * s2]];
        const obj = gaussianObjective([1.5, -0.7], cov);
        const r = migrad(obj, [0, 0]);
        assert.ok(r.converged);
        assertAllClose(r.x, [1.5, -0.7], 0, 1e-2 * Math.max(s1, s2), 'minimum');
        const h = hesse(obj.hessian!(r.x), [false, false], 0.5);
        assertAllClose(h.covariance.flat(), cov.flat(), 1e-9, 1e-12, 'covariance');
        assertClose(h.correlation[0][1], rho, 1e-9, 1e-12, 'correlation');
        const m = minosInterval(obj, r.x, r.fval, 0, h.errors[0]);
        assertClose(m.upper, s1, 1e-3, 0, 'MINOS upper');
        assertClose(m.lower, -s1, 1e-3, 0, 'MINOS lower');
      }),
      propertyParams(10, 601),
    );
  });

  it('respects bounds (minimum on a boundary) and fixed parameters; the Rosenbrock valley converges', () => {
    const obj: Objective = { value: (x) => (x[0] + 1) ** 2 + (x[1] - 2) ** 2, gradient: (x) => [2 * (x[0] + 1), 2 * (x[1] - 2)] };
    const r = migrad(obj, [1, 0], { bounds: [[0, 5], null] });
    assert.ok(r.x[0] >= 0 && r.x[0] < 1e-3, `bounded x0 = ${r.x[0]}`);
    assertClose(r.x[1], 2, 0, 1e-4, 'free x1');
    const f = migrad(obj, [1, 0], { fixed: [true, false] });
    assert.equal(f.x[0], 1);
    const rosen: Objective = {
      value: (x) => 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2,
      gradient: (x) => [-400 * x[0] * (x[1] - x[0] ** 2) - 2 * (1 - x[0]), 200 * (x[1] - x[0] ** 2)],
    };
    const rr = migrad(rosen, [-1.2, 1], { tol: 1e-6 });
    assertAllClose(rr.x, [1, 1], 0, 1e-3, 'Rosenbrock');
  });

  it('profile scan of a HistFactory POI is ≥ 0, zero at the best fit, and its MINOS interval brackets mu-hat', () => {
    const model = HistFactoryModel.fromJSON(uncorrelatedBackground([12, 11], [50, 52], [3, 7], [61, 60]));
    const calc = new AsymptoticCalculator(model, model.observedData());
    const best = calc.observedFit();
    const obj = { value: (x: number[]) => -model.logpdf(x, model.observedData()), gradient: (x: number[]) => fd(x), hessian: undefined };
    // Finite-difference gradient of the float64 NLL keeps this test independent of the tensor path.
    function fd(x: number[]): number[] {
      return x.map((_, i) => {
        const h = 1e-6 * Math.max(1, Math.abs(x[i]));
        const a = x.slice();
        const b = x.slice();
        a[i] += h;
        b[i] -= h;
        return (obj.value(a) - obj.value(b)) / (2 * h);
      });
    }
    const muHat = best.bestfit[model.poiIndex];
    const opts = { bounds: model.suggestedBounds(), fixed: model.suggestedFixed() };
    const prof = profileScan(obj, best.bestfit, best.twiceNll / 2, model.poiIndex, [muHat - 0.5, muHat, muHat + 0.5], opts);
    assert.ok(prof.delta.every((d) => d >= -1e-7), `profile below the minimum: ${prof.delta}`);
    assertClose(prof.delta[1], 0, 0, 1e-6, 'profile at mu-hat');
    const m = minosInterval(obj, best.bestfit, best.twiceNll / 2, model.poiIndex, 0.5, opts);
    assert.ok(m.lower < 0 && m.upper > 0 && m.lowerValid && m.upperValid, JSON.stringify(m));
    model.dispose();
  });
});

describe('Asimov significance', () => {
  it('equals the reference-sheet numbers', () => {
    assertClose(asimovSignificanceValue(10, 50), 1.37062, 2e-5, 0, 'Z(10,50)');
    assertClose(asimovSignificanceValue(10, 50, 7), 0.95907, 2e-5, 0, 'Z(10,50,7)');
    assertClose(asimovSignificanceValue(20, 100), 1.93834, 2e-5, 0, 'Z(20,100)');
    assertClose(asimovSignificanceValue(20, 100, 10), 1.34933, 2e-5, 0, 'Z(20,100,10)');
    assertClose(asimovSignificanceWithUncertainty(10, 50, 7).dataSync()[0], 0.95907, 1e-4, 0, 'tensor Z(10,50,7)');
    assertClose(asimovSignificance(10, 50).dataSync()[0], 1.37062, 1e-5, 0, 'tensor Z(10,50)');
  });

  it('equals √q0 of a numeric profile-likelihood fit to the Asimov dataset (Poisson auxiliary measurement of b)', () => {
    for (const [s, b, sb] of [[10, 50, 7], [20, 100, 10], [5, 10, 0]]) {
      const model = HistFactoryModel.fromJSON(uncorrelatedBackground([s], [b], [sb], [s + b]));
      const d = model.observedData();
      const r = new AsymptoticCalculator(model, d, { testStat: 'q0' }).hypotest(0);
      assertClose(Math.sqrt(r.q), asimovSignificanceValue(s, b, sb), 1e-4, 0, `Z(${s},${b},${sb})`);
      model.dispose();
    }
  });

  it('gradients match finite differences (property)', () => {
    fc.assert(
      // s/b ≥ 0.05: below that the σ_b formula cancels in float32 (Z ≲ 0.05, where its value carries few digits).
      fc.property(fc.double({ min: 2, max: 50, noNaN: true }), fc.double({ min: 0.05, max: 5, noNaN: true }), fc.double({ min: 0.5, max: 20, noNaN: true }), (s, ratio, sb) => {
        const b = s / ratio;
        assertGradOk(checkGrad((p) => asimovSignificance((p as { s: Tensor }).s, (p as { b: Tensor }).b), { s, b }), 'Z');
        assertGradOk(checkGrad((p) => { const q = p as { s: Tensor; b: Tensor; sb: Tensor }; return asimovSignificanceWithUncertainty(q.s, q.b, q.sb); }, { s, b, sb }, { eps: 2e-2, rtol: 3e-2, atol: 1e-3 }), "Z with σ_b (float32 finite differences need a wide step: the σ_b slope is ~1e-3)");
      }),
      propertyParams(10, 602),
    );
  });
});

describe('upper limits by root finding', () => {
  it('agree with a fine scan and give CLs = 0.05 at the limit', () => {
    const model = HistFactoryModel.fromJSON(uncorrelatedBackground([12, 11], [50, 52], [3, 7], [51, 48]));
    const d = model.observedData();
    const root = upperLimitRoot(model, d);
    const cls = new AsymptoticCalculator(model, d).hypotest(root.obs).clsObs;
    assertClose(cls, 0.05, 1e-4, 0, 'CLs at the observed limit');
    const scan = upperLimitScan(model, d, linspace(Math.max(0, root.obs - 0.1), root.obs + 0.1, 5));
    assertClose(scan.obs, root.obs, 2e-3, 0, 'scan vs root');
    for (let k = 1; k < 5; k++) assert.ok(root.exp[k] > root.exp[k - 1], 'expected band ascending');
    model.dispose();
  });
});

describe('CLI: cls, fit, upper-limit', () => {
  async function run(args: string[]): Promise<unknown> {
    let out = '';
    const orig = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
    try {
      await buildProgram().exitOverride().parseAsync(['node', 'diffhep', ...args]);
    } finally {
      process.stdout.write = orig;
    }
    return JSON.parse(out);
  }
  it('prints pyhf-shaped JSON that matches the reference of case04', async () => {
    const path = `${VALIDATION_DIR}/case04.json`;
    const ref = (await import('node:fs')).readFileSync(path, 'utf8');
    const e = JSON.parse(ref).expected;
    const cls = (await run(['cls', path, '--json'])) as { CLs_obs: number; CLs_exp: number[] };
    assertClose(cls.CLs_obs, e.cls_obs_qtilde_mu1, 1e-3, 0, 'CLs_obs');
    assertAllClose(cls.CLs_exp, e.cls_exp_qtilde_mu1, 1e-3, 0, 'CLs_exp');
    const fit = (await run(['fit', path, '--json'])) as { par_order: string[]; bestfit: number[]; uncertainties: number[]; twice_nll: number };
    assert.deepEqual(fit.par_order, e.par_order);
    assertAllClose(fit.bestfit, e.mle, 0, 1e-3, 'bestfit');
    assertClose(fit.twice_nll, e.twice_nll_min, 1e-4, 0, 'twice_nll');
    assert.equal(fit.uncertainties.length, fit.bestfit.length);
    assert.ok(fit.uncertainties.every((u) => u > 0));
    const ul = (await run(['upper-limit', path, '--json'])) as { obs: number; exp: number[] };
    assertClose(ul.obs, e.upper_limit_obs_linear_scan_0_5_51, 1e-3, 0, 'UL obs');
    assertAllClose(ul.exp, e.upper_limit_exp_linear_scan_0_5_51, 1e-3, 0, 'UL exp');
  });
});
