import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, prngKey, type Tensor } from '../../../src/autodiff/index.js';
import { lartpcParams, module0Config, LARPIX } from '../../../src/sim/lartpc/index.js';
import { runClosure, bfgsUpdate, type ClosureOptions, type TargetState } from '../../../experiments/lartpc-calibration/closure.js';
import { sampleTracks } from '../../../experiments/lartpc-calibration/fisher.js';
import { makePseudoData, calibrateEvents, drawTarget, lossContext, chi2, chi2Value64, type FitEvent } from '../../../experiments/lartpc-calibration/fit.js';

const base = (out: string): ClosureOptions => ({ seed: 3, out, progress: false, tracks: 32, batch: 8, warmTracks: 16, hessianTracks: 16, first: 0, count: 1, stepTolSigma: 0.02 });

describe('lartpc-calibration closure at full statistics', function () {
  this.timeout(300000);
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'diffhep-closure-'));
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  let reference: TargetState;

  it('the Newton passes end at the optimum of the LM fit of the whole sample, with its uncertainties', () => {
    const out = tmp();
    return runClosure(base(out)).then((r) => {
      const s = JSON.parse(readFileSync(join(out, 'closure-32', 'target-0.json'), 'utf8')) as TargetState;
      reference = s;
      assert.equal(s.phase, 'done');
      assert.ok(s.newton.length >= 1 && s.newton[s.newton.length - 1].step_sigma < 0.02, `last step ${s.newton[s.newton.length - 1].step_sigma} sigma`);
      // the same 32 tracks and noise, fitted by Levenberg-Marquardt with a fresh Hessian every iteration
      const c = module0Config();
      const nominal = lartpcParams();
      const seed = 3000;
      const target = drawTarget(nominal, prngKey(seed).fold('target'));
      const events: FitEvent[] = [];
      for (let b = 0; b < 4; b++) {
        const seg = sampleTracks('mixed', prngKey(seed).fold('scaling').fold(b), 8);
        events.push({ seg, data: makePseudoData(seg, target, c, LARPIX.uncorrelatedNoiseE, prngKey(seed).fold('noise').fold(b)) });
      }
      const ps = nominal.clone();
      const lm = calibrateEvents(events, ps, c, { maxIter1: 8, maxIter2: 100 });
      s.result!.fitted.forEach((x, i) => {
        const d = Math.abs(x - lm.fitted[i]) / lm.uncertainties[i];
        assert.ok(d < 0.05, `parameter ${i}: Newton ${x} vs LM ${lm.fitted[i]} (${d.toFixed(3)} sigma)`);
        // sigma_lifetime goes as lifetime^2: the two optima differ by a few hundredths of sigma
        const du = Math.abs(s.result!.uncertainties[i] / lm.uncertainties[i] - 1);
        assert.ok(du < 0.05, `parameter ${i}: sigma ${s.result!.uncertainties[i]} vs ${lm.uncertainties[i]}`);
      });
      const json = JSON.parse(readFileSync(r.file, 'utf8')) as { targets_done: number[]; pull_rms: number; worst_error_percent: number };
      assert.deepEqual(json.targets_done, [0]);
      assert.ok(Number.isFinite(json.pull_rms) && Number.isFinite(json.worst_error_percent));
    });
  });

  it('a run interrupted inside a pass resumes to the same numbers', async () => {
    const out = tmp();
    let calls = 0;
    await assert.rejects(
      runClosure({
        ...base(out),
        checkpointEvery: 1,
        onReadout: (_k, phase, b) => {
          if (phase === 'newton' && b === 2 && ++calls === 2) throw new Error('interrupted');
        },
      }),
      /interrupted/,
    );
    const mid = JSON.parse(readFileSync(join(out, 'closure-32', 'target-0.json'), 'utf8')) as TargetState;
    assert.equal(mid.phase, 'newton');
    assert.equal(mid.pass?.next, 3);
    const before = tf.memory().numTensors;
    await runClosure(base(out));
    assert.equal(tf.memory().numTensors, before, 'tensors left behind by the resumed passes');
    const s = JSON.parse(readFileSync(join(out, 'closure-32', 'target-0.json'), 'utf8')) as TargetState;
    assert.deepEqual(s.result, reference.result);
    assert.deepEqual(s.newton, reference.newton);
    // the time of the interrupted call stays in the state: the resumed call adds to it
    assert.ok(mid.wall_s! > 0 && mid.cpu_s > 0, `interrupted call's time kept: wall ${mid.wall_s} s, cpu ${mid.cpu_s} s`);
    assert.ok(s.wall_s! > mid.wall_s! && s.cpu_s > mid.cpu_s, `times accumulate over calls: wall ${mid.wall_s} -> ${s.wall_s} s`);
  });

  it('the float64 chi^2 differs from the tensor chi^2 by a constant of the data, at any point', () => {
    const c = module0Config();
    const nominal = lartpcParams();
    const seg = sampleTracks('mixed', prngKey(5).fold('tracks'), 3);
    const target = drawTarget(nominal, prngKey(5).fold('target'));
    const d = makePseudoData(seg, target, c, LARPIX.uncorrelatedNoiseE, prngKey(5).fold('noise'));
    const ctx = lossContext(seg, nominal, c, d);
    const data = ctx.data.dataSync();
    const sigma2 = d.noiseE * d.noiseE;
    let constant = 0;
    for (let i = 0; i < data.length; i++) if (!ctx.inData[i]) constant += (data[i] * data[i]) / sigma2 - 1;
    const key = prngKey(7);
    for (let trial = 0; trial < 3; trial++) {
      const u0 = Array.from(nominal.unconstrainedVector());
      const z = key.fold(trial).normals(u0.length);
      const u = u0.map((x, i) => x + 0.05 * z[i]);
      let sim: Tensor | undefined;
      const tensorValue = tf.tidy(() => chi2(seg, nominal, c, d, ctx, tf.tensor1d(u), (t) => (sim = tf.keep(t.clone()))).dataSync()[0]);
      const v64 = chi2Value64(sim!.dataSync(), data, ctx, d);
      sim!.dispose();
      assert.ok(Math.abs(tensorValue - (v64 + constant)) < 1e-5 * Math.abs(tensorValue), `trial ${trial}: tensor ${tensorValue} vs float64 ${v64} + ${constant}`);
    }
    ctx.dispose();
  });

  it('the BFGS update meets the secant condition and, on a quadratic, recovers the Hessian from n conjugate steps', () => {
    const key = prngKey(11);
    const n = 6;
    const z = key.fold('m').normals(n * n);
    const M = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => z[i * n + j]));
    // a well-conditioned symmetric positive definite "true" Hessian and a start matrix off by up to a factor 2
    const H = M.map((r, i) => M.map((q, j) => r.reduce((a, x, k) => a + x * q[k], 0) + (i === j ? n : 0)));
    let B = H.map((r, i) => r.map((x, j) => (i === j ? x * (0.5 + (i % 3) * 0.5) : x)));
    // H-conjugate steps (Gram-Schmidt in the H inner product): then B s_j = y_j holds for every earlier j too
    const Hv = (v: number[]) => H.map((r) => r.reduce((a, x, j) => a + x * v[j], 0));
    const dot = (a: number[], b: number[]) => a.reduce((acc, x, i) => acc + x * b[i], 0);
    const steps: number[][] = [];
    for (let t = 0; t < n; t++) {
      let v = Array.from(key.fold('s').fold(t).normals(n));
      for (const q of steps) {
        const c = dot(v, Hv(q)) / dot(q, Hv(q));
        v = v.map((x, i) => x - c * q[i]);
      }
      steps.push(v);
    }
    for (let t = 0; t < n; t++) {
      const s = steps[t];
      const y = H.map((r) => r.reduce((a, x, j) => a + x * s[j], 0));
      B = bfgsUpdate(B, s, y);
      const Bs = B.map((r) => r.reduce((a, x, j) => a + x * s[j], 0));
      Bs.forEach((v, i) => assert.ok(Math.abs(v - y[i]) < 1e-9 * (1 + Math.abs(y[i])), `secant condition, step ${t}`));
    }
    B.forEach((r, i) => r.forEach((x, j) => assert.ok(Math.abs(x - H[i][j]) < 1e-6 * (1 + Math.abs(H[i][j])), `B[${i}][${j}] ${x} vs ${H[i][j]}`)));
    // negative measured curvature is damped: B stays positive along the step (a fifth of the model's)
    const e0 = [1, 0, 0, 0, 0, 0];
    const D = bfgsUpdate(H, e0, [-1, 0, 0, 0, 0, 0]);
    assert.ok(Math.abs(D[0][0] - 0.2 * H[0][0]) < 1e-9 * H[0][0], `damped curvature ${D[0][0]} vs ${0.2 * H[0][0]}`);
  });

  it('bad sizes are named', async () => {
    await assert.rejects(runClosure({ ...base(tmp()), tracks: 36 }), /tracks/);
    await assert.rejects(runClosure({ ...base(tmp()), warmTracks: 64 }), /warmTracks/);
  });
});
