/** Quick runs of the neos and inferno experiments: results.json, PNGs and the expected orderings. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { experiments } from '../../experiments/index.js';

describe('experiment neos (quick)', () => {
  it('writes results.json and PNGs; the trained observable has a lower expected CLs than at the start', async () => {
    const out = mkdtempSync(join(tmpdir(), 'neos-'));
    try {
      const mod = await experiments.neos.load();
      await mod.run({ quick: true, seed: 1, out, resume: false, progress: false });
      const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
      assert.ok(existsSync(join(out, 'neos-training.png')) && existsSync(join(out, 'bce-training.png')));
      const h = r.neosHistory as { loss: number }[];
      assert.ok(h[h.length - 1].loss < 0.5 * h[0].loss, `expected CLs ${h[0].loss} → ${h[h.length - 1].loss}`);
      for (const k of ['neos', 'bce']) {
        for (const v of [r.expectedCLs[k].soft, r.expectedCLs[k].hard]) assert.ok(v > 0 && v < 1, `${k} CLs ${v}`);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('experiment inferno (quick)', () => {
  it('writes the benchmark table: the true likelihood bounds every summary, and INFERNO beats BCE once r and λ are nuisances', async () => {
    const out = mkdtempSync(join(tmpdir(), 'inferno-'));
    try {
      const mod = await experiments.inferno.load();
      await mod.run({ quick: true, seed: 1, out, resume: false, progress: false });
      const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
      assert.ok(existsSync(join(out, 'inferno-table.png')) && existsSync(join(out, 'inferno-training.png')));
      assert.equal(r.table.length, 5);
      for (const row of r.table) {
        assert.ok(row.trueLikelihood < row.inferno && row.trueLikelihood < row.bce, JSON.stringify(row));
        if (row.benchmark >= 2) assert.ok(row.inferno < row.bce, `benchmark ${row.benchmark}: INFERNO ${row.inferno} vs BCE ${row.bce}`);
      }
      // Free nuisances widen the true-likelihood uncertainty (0 ≤ 1 ≤ 2), constraining them narrows it (3 ≤ 2), a free-ish b widens it (4 ≥ 3).
      const t = r.table.map((row: { trueLikelihood: number }) => row.trueLikelihood);
      assert.ok(t[0] <= t[1] && t[1] <= t[2] && t[3] <= t[2] && t[4] >= t[3], `true-likelihood σ_s ${t}`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
