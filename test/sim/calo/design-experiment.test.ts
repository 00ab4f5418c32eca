import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, prngKey } from '../../../src/autodiff/index.js';
import { assertGradClose } from '../../../src/autodiff/testing/index.js';
import { run } from '../../../experiments/calo-design/index.js';
import { lossTensor, photonSample, designParams } from '../../../experiments/calo-design/objective.js';

describe('calo-design experiment', () => {
  it('the design loss has finite-difference-exact gradients in ln a, ln g, ln s and the calibration offsets', () => {
    const sample = photonSample(prngKey(9), 24);
    const ps = designParams({ absorberCm: 0.5, activeCm: 0.4, cellSizeCm: 3 });
    ps.set('calibration', Array.from({ length: 20 }, (_, i) => 0.01 * i));
    const u0 = Array.from(ps.unconstrainedVector());
    assertGradClose((p) => lossTensor(ps.physicalTree((p as { u: tf.Tensor }).u) as never, sample), { u: tf.tensor1d(u0) }, { eps: 1e-3, rtol: 3e-2, atol: 1e-6, maxElements: 8 });
  });

  it('quick run: results.json with the required fields, ≥10× fewer showers, optimum within 2 SE of the scan; resumes from its checkpoints', async () => {
    const out = mkdtempSync(join(tmpdir(), 'calo-design-'));
    try {
      const tensorsBefore = tf.memory().numTensors;
      await run({ quick: true, seed: 2, out, resume: true, progress: false });
      assert.equal(tf.memory().numTensors, tensorsBefore, 'the descent and the scan leak no tensors');
      const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
      for (const k of ['optimum', 'scan_optimum', 'objective_at_optimum', 'objective_at_scan_optimum', 'showers_gradient', 'showers_scan', 'wall_s']) assert.ok(k in r, k);
      assert.ok(r.showers_scan >= 10 * r.showers_gradient);
      assert.ok(r.objective_at_optimum - r.objective_at_scan_optimum <= 2 * r.objective_difference_se, JSON.stringify(r));
      assert.ok(existsSync(join(out, 'landscape.png')) && existsSync(join(out, 'checkpoint.json')));
      // Interrupt the scan after 10 points (as a killed run leaves it) and resume: the result is unchanged.
      const scanFile = join(out, 'scan-checkpoint.json');
      const scan = JSON.parse(readFileSync(scanFile, 'utf8'));
      const nPoints = scan.done.length;
      writeFileSync(scanFile, JSON.stringify({ ...scan, done: scan.done.slice(0, 10) }));
      rmSync(join(out, 'results.json'));
      await run({ quick: true, seed: 2, out, resume: true, progress: false });
      const r2 = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
      assert.deepEqual(r2.optimum, r.optimum);
      assert.deepEqual(r2.scan_optimum, r.scan_optimum);
      assert.equal(r2.objective_at_scan_optimum, r.objective_at_scan_optimum);
      assert.equal(JSON.parse(readFileSync(scanFile, 'utf8')).done.length, nPoints);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
