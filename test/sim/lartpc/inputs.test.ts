import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { tf, prngKey, DiffhepError, type Tensor } from '../../../src/autodiff/index.js';
import { checkGrad, formatGradCheck } from '../../../src/autodiff/testing/index.js';
import {
  readSegmentsH5,
  writeSegmentsH5,
  cleanSegments,
  trackSegments,
  betheBloch,
  benchmarkMuons,
  driftVelocity,
  birksRecombination,
  boxRecombination,
  lifetimeSurvival,
  diffusionSigma,
  MUON_MASS_MEV,
  SEGMENT_FIELDS,
  allocSegments,
} from '../../../src/sim/lartpc/index.js';
import { smallConfig, smallParams, smallTracks, valuesOf } from './helpers.js';

describe('lartpc inputs and stages', () => {
  let dir = '';
  before(() => (dir = mkdtempSync(join(tmpdir(), 'lartpc-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('HDF5: compound and group layouts round-trip with larnd-sim field names', async () => {
    const seg = smallTracks(3, 2);
    for (const layout of ['compound', 'group'] as const) {
      const f = join(dir, `seg-${layout}.h5`);
      await writeSegmentsH5(f, seg, layout);
      const back = await readSegmentsH5(f);
      for (const k of SEGMENT_FIELDS) assert.deepEqual(Array.from(back[k]), Array.from(seg[k]), `${layout} ${k}`);
      assert.deepEqual(Array.from(back.pdg_id ?? []), Array.from(seg.pdg_id ?? []));
    }
  });

  it('HDF5: a file missing a field names it', async () => {
    await h5wasm.ready;
    const f = join(dir, 'missing.h5');
    const file = new h5wasm.File(f, 'w');
    const g = file.create_group('segments');
    for (const k of SEGMENT_FIELDS) if (k !== 'dEdx') g.create_dataset({ name: k, data: new Float32Array([1, 2]) });
    file.close();
    await assert.rejects(readSegmentsH5(f), (e: Error) => e instanceof DiffhepError && /dEdx/.test(e.message));
  });

  it('bad segments are removed or clipped with a message that counts them; strict mode names the field', () => {
    const ps = smallParams();
    const v = valuesOf(ps);
    const c = smallConfig();
    const s = allocSegments(6);
    const put = (i: number, a: number[], b: number[], dE = 1) => {
      [s.x_start[i], s.y_start[i], s.z_start[i]] = a;
      [s.x_end[i], s.y_end[i], s.z_end[i]] = b;
      s.dE[i] = dE;
      s.dEdx[i] = 2;
    };
    put(0, [3, 3, 10], [3.3, 3, 10.2]);
    put(1, [3, 3, 10], [3.3, 3, 10.2]);
    s.x_end[1] = NaN;
    put(2, [3, 3, 10], [3.3, 3, 10.2], -1);
    put(3, [3, 3, 10], [3, 3, 10]);
    put(4, [300, 3, 10], [300.3, 3, 10]);
    put(5, [-0.2, 3, 10], [0.2, 3, 10], 1);
    const { segments, report } = cleanSegments(s, v, c);
    assert.equal(report.kept, 2);
    assert.deepEqual([report.nonFinite, report.negativeEnergy, report.zeroLength, report.outside, report.clipped], [1, 1, 1, 1, 1]);
    assert.match(report.message, /kept 2 of 6 segments: 1 with NaN.*1 with negative dE.*1 of zero length.*1 outside.*1 clipped/);
    assert.ok(Math.abs(segments.x_start[1]) < 1e-6 && Math.abs(segments.dE[1] - 0.5) < 1e-6, 'clipped at x = 0 with half the energy');
    assert.throws(() => cleanSegments(s, v, c, { strict: true }), (e: Error) => e instanceof DiffhepError && /segments\.x_end\[1\]/.test(e.message));
  });

  it('generator: Bethe-Bloch muon near 2.1 MeV/cm; a stopping proton deposits all its energy with a Bragg peak', () => {
    const mip = betheBloch(1000, MUON_MASS_MEV);
    assert.ok(mip > 2.0 && mip < 2.4, `muon dE/dx ${mip}`);
    const p = trackSegments({ particle: 'proton', start: [0, 0, 0], direction: [0, 0, 1], kineticMeV: 100, maxLengthCm: 100, stepCm: 0.4 });
    const n = p.dE.length;
    const total = p.dE.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 100) < 1e-3, `total ${total}`);
    assert.ok(p.dEdx[n - 2] > 3 * p.dEdx[0], 'Bragg peak');
    const range = p.z_end[n - 1];
    assert.ok(range > 6.5 && range < 8.5, `100 MeV proton range ${range} cm (CSDA ~7.7 cm in LAr)`);
    const b = benchmarkMuons(prngKey(1), 4);
    assert.equal(b.dE.length, 400);
    for (let i = 0; i < 400; i++) assert.ok(Math.abs(Math.hypot(b.x_end[i] - b.x_start[i], b.y_end[i] - b.y_start[i], b.z_end[i] - b.z_start[i]) - 0.4) < 1e-4);
  });

  it('recombination and drift stages: reference values and gradients vs finite differences', () => {
    const vd = tf.tidy(() => driftVelocity(tf.scalar(0.5), tf.scalar(87.17)).dataSync()[0]);
    assert.ok(Math.abs(vd - 0.1597) < 2e-4, `v_d ${vd}`);
    const birks = tf.tidy(() => birksRecombination(tf.scalar(2.1), tf.scalar(0.5), tf.scalar(0.8), tf.scalar(0.0486)).dataSync()[0]);
    assert.ok(Math.abs(birks - 0.8 / (1 + (0.0486 * 2.1) / (0.5 * 1.38))) < 1e-6);
    const f = (p: Record<string, Tensor>) =>
      tf.addN([
        tf.sum(birksRecombination(tf.tensor1d([2.1, 5, 20]), p.E, p.Ab, p.kb)),
        tf.sum(boxRecombination(tf.tensor1d([2.1, 5, 20]), p.E, p.alpha, p.beta)),
        tf.mul(10, driftVelocity(p.E, p.T)),
        tf.sum(lifetimeSurvival(tf.tensor1d([10, 100]), p.tau)),
        tf.mul(100, tf.sum(diffusionSigma(p.D, tf.tensor1d([10, 150])))),
      ]);
    const res = checkGrad(f as never, { E: 0.5, Ab: 0.8, kb: 0.0486, alpha: 0.93, beta: 0.207, T: 87.17, tau: 2200, D: 8.8e-6 }, { eps: 1e-3, scale: 1e-12, rtol: 2e-2, richardson: true });
    assert.ok(res.ok, formatGradCheck(res));
  });
});
