/** The neos experiment's quick run: results.json, PNGs, training lowers the expected CLs. */
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
