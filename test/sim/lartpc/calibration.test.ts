import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../../src/autodiff/index.js';
import { run } from '../../../experiments/lartpc-calibration/index.js';

describe('lartpc-calibration experiment', () => {
  it('quick run: all six parameters within 0.1 % without noise, pulls of the noisy fit below 3, results.json and PNGs; resume reuses the checkpoint', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lartpc-cal-'));
    try {
      const before = tf.memory().numTensors;
      await run({ quick: true, seed: 3, out, resume: false, progress: false });
      assert.equal(tf.memory().numTensors, before, 'no tensors leak');
      const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
      for (const k of ['targets', 'fitted', 'uncertainties', 'errors_percent', 'iterations', 'wall_s', 'peak_rss_mb', 'noise']) assert.ok(k in r, k);
      assert.deepEqual(r.noise, [false, true]);
      for (const [k, e] of Object.entries(r.errors_percent[0] as Record<string, number>)) assert.ok(Math.abs(e) < 0.1, `${k}: ${e} %`);
      for (const [k, p] of Object.entries(r.pulls[1] as Record<string, number>)) assert.ok(Math.abs(p) < 3, `pull ${k}: ${p}`);
      for (const f of ['landscape.png', 'loss.png', 'pulls.png', 'event-plane.png', 'event-time.png', 'checkpoint.json']) assert.ok(existsSync(join(out, f)), f);
      const t = statSync(join(out, 'checkpoint.json')).mtimeMs;
      await run({ quick: true, seed: 3, out, resume: true, progress: false });
      assert.equal(statSync(join(out, 'checkpoint.json')).mtimeMs, t, 'resume fits nothing again');
      const r2 = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
      assert.deepEqual(r2.fitted, r.fitted);
      // the fits' times come from the checkpoint, not from the resumed call's clock
      assert.ok(r2.wall_s >= r.wall_s - 1 && r2.cpu_s === r.cpu_s && r.cpu_s > 0, `wall ${r.wall_s} -> ${r2.wall_s} s, cpu ${r.cpu_s} -> ${r2.cpu_s} s`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
