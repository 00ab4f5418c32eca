/**
 * The trigger-fpga experiment: the jet generator (determinism, balance, the
 * physics its latent model encodes) and a tiny end-to-end run (training,
 * PTQ and QAT export, Verilator bit-exactness, yosys resources, results.json,
 * resume from the row checkpoint).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prngKey } from '../../src/autodiff/index.js';
import { CLASSES, FEATURES, generateJets, standardizer } from '../../experiments/trigger-fpga/dataset.js';
import { runTrigger, type TriggerRow } from '../../experiments/trigger-fpga/index.js';
import { experiments } from '../../experiments/index.js';
import { ALL_CONFIGS, hgqSettings } from '../../experiments/trigger-fpga/configs.js';
import { irFromJson } from '../../src/hw/ir.js';
import { estimateResources } from '../../src/hw/estimate/index.js';

const col = (x: number[][], name: (typeof FEATURES)[number]) => x.map((r) => r[FEATURES.indexOf(name)]);
const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('trigger-fpga jet generator', () => {
  it('is reproducible from its key, balanced over the 5 classes, and differs between keys', () => {
    const a = generateJets(prngKey(3).fold('train'), 1000);
    const b = generateJets(prngKey(3).fold('train'), 1000);
    const c = generateJets(prngKey(4).fold('train'), 1000);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.x, c.x);
    assert.equal(a.x[0].length, 16);
    for (let k = 0; k < CLASSES.length; k++) assert.equal(a.y.filter((y) => y === k).length, 200, `class ${CLASSES[k]}`);
    assert.ok(a.x.flat().every(Number.isFinite));
    // The standardized sample has zero mean and unit variance per feature.
    const xs = standardizer(a.x).apply(a.x);
    for (let i = 0; i < 16; i++) {
      const v = xs.map((r) => r[i]);
      assert.ok(Math.abs(mean(v)) < 1e-9 && Math.abs(mean(v.map((t) => t * t)) - 1) < 1e-9, FEATURES[i]);
    }
  });

  it('encodes the physics of its latent model: mass peaks, gluon multiplicity, 2-prong D2, C2 = D2·e2', () => {
    const s = generateJets(prngKey(5), 5000);
    const by = (k: string, f: (typeof FEATURES)[number], prongs?: number) =>
      col(s.x.filter((_, e) => s.y[e] === CLASSES.indexOf(k as never) && (prongs === undefined || s.prongs[e] === prongs)), f);
    assert.ok(Math.abs(median(by('w', 'mass_mmdt', 2)) - 80.4) < 2, `W mass ${median(by('w', 'mass_mmdt', 2))}`);
    assert.ok(Math.abs(median(by('z', 'mass_mmdt', 2)) - 91.2) < 2);
    assert.ok(Math.abs(median(by('t', 'mass_mmdt', 3)) - 172.5) < 4);
    // Sudakov: gluon jets are heavier than quark jets (C_A > C_F) and have more constituents.
    assert.ok(median(by('g', 'mass_mmdt')) > 1.5 * median(by('q', 'mass_mmdt')));
    assert.ok(mean(by('g', 'multiplicity')) > 1.3 * mean(by('q', 'multiplicity')));
    // Two-prong W jets have a lower D2 than one-prong quark jets.
    assert.ok(median(by('w', 'd2_b1_mmdt', 2)) < 0.7 * median(by('q', 'd2_b1_mmdt')));
    // C2 = D2 · e2 (definitions C2 = e3/e2², D2 = e3/e2³).
    s.x.slice(0, 50).forEach((r) => assert.ok(Math.abs(r[4] - r[6] * r[2]) < 1e-12 * Math.max(1, r[4])));
    assert.throws(() => generateJets(prngKey(1), 0), /'n'/);
  });
});

describe('trigger-fpga experiment (tiny configuration)', function () {
  let out: string;
  before(() => {
    out = mkdtempSync(join(tmpdir(), 'trigger-fpga-'));
  });
  after(() => rmSync(out, { recursive: true, force: true }));
  const tiny = { quick: true, seed: 2, resume: true, progress: false, nTrain: 3000, nTest: 500, epochs: 6, sizes: [16, 6, 5], vectors: 24, resources: 'yosys' as const };

  it('writes results.json with one bit-exact row per configuration, yosys resources and the plots; a resumed run reuses the checkpointed rows', async () => {
    assert.ok(experiments['trigger-fpga']);
    const r1 = await runTrigger({ ...tiny, out, configs: ['float', 'ptq-8-3'] });
    const res1 = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    assert.deepEqual(res1.rows.map((r: TriggerRow) => r.name), ['float', 'ptq-8-3']);
    for (const row of res1.rows) for (const k of ['name', 'accuracy', 'luts', 'ffs', 'dsps', 'latency_cycles', 'ii', 'bit_exact', 'resource_method']) assert.ok(k in row, `${row.name}.${k}`);
    const [fl, pq] = res1.rows as TriggerRow[];
    assert.ok(fl.accuracy! > 0.35 && fl.accuracy! < 0.95, `float accuracy ${fl.accuracy}`);
    assert.equal(fl.luts, null);
    assert.equal(pq.bit_exact, true);
    assert.equal(pq.vectors, 24);
    assert.equal(pq.resource_method, 'yosys');
    assert.ok(pq.luts! > 100 && pq.ffs! > 0 && pq.dsps === 0, JSON.stringify(pq));
    assert.equal(pq.latency_cycles, 4); // dense, relu, dense, argmax: one register stage each
    assert.ok(Math.abs(pq.accuracy! - fl.accuracy!) < 0.1, `8-bit PTQ ${pq.accuracy} vs float ${fl.accuracy}`);
    assert.ok(existsSync(join(out, 'accuracy.png')) && existsSync(join(out, 'accuracy-vs-luts.png')));
    assert.match(r1.summary, /\| ptq-8-3 \|/);
    assert.ok(Array.isArray(res1.hls4ml_published) && typeof res1.hls4ml_published_note === 'string');
    assert.deepEqual(res1.resumed_rows, []);

    // Resume: the finished rows come from the checkpoint unchanged, the new configuration runs.
    const r2 = await runTrigger({ ...tiny, out, configs: ['float', 'ptq-8-3', 'qat-4'] });
    const res2 = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    assert.deepEqual(res2.resumed_rows, ['float', 'ptq-8-3']);
    assert.deepEqual(res2.rows.slice(0, 2), res1.rows);
    const q = r2.rows[2];
    assert.equal(q.name, 'qat-4');
    assert.equal(q.bit_exact, true);
    // The training code's fake-quantized forward pass and the bit-exact emulator agree.
    assert.ok(Math.abs(q.train_forward_accuracy! - q.accuracy!) <= 0.004, `${q.train_forward_accuracy} vs ${q.accuracy}`);
  });

  it('--quick reports the analytic estimate of every design (resource_method "estimate", no synthesis); a row whose configuration changed is rerun', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trigger-fpga-quick-'));
    try {
      const small = { quick: true, seed: 3, resume: true, progress: false, nTrain: 1500, nTest: 300, epochs: 2, sizes: [16, 6, 5], vectors: 16, out: dir, configs: ['ptq-6-2', 'hgq-beta1e-5'] };
      const r1 = await runTrigger(small);
      const res = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
      assert.equal(res.resources_method, 'estimate');
      for (const row of r1.rows) {
        const ir = irFromJson(JSON.parse(readFileSync(join(dir, 'designs', row.name.replace(/[^A-Za-z0-9_]/g, '_'), 'model.json'), 'utf8')));
        const e = estimateResources(ir);
        assert.equal(row.resource_method, 'estimate');
        assert.deepEqual([row.luts, row.ffs, row.dsps, row.latency_cycles, row.ii], [e.luts, e.ffs, 0, 4, 1], row.name);
        assert.ok(row.luts! > 50 && row.synth_s === undefined, JSON.stringify(row));
        assert.equal(row.bit_exact, true);
        assert.deepEqual(row.config, ALL_CONFIGS.find((c) => c.name === row.name));
      }
      const h = r1.rows[1];
      assert.ok(h.ebops! > 0 && h.mean_weight_bits! > 0, JSON.stringify(h));
      assert.deepEqual(hgqSettings(1e-5), { initFracBits: 6, beta: 1e-5, transform: 'sigmoid' });
      assert.ok(existsSync(join(dir, 'accuracy-vs-luts.png')));
      assert.match(r1.summary, /\| ptq-6-2 \|.*\| estimate \|/);

      // A checkpointed row made with another configuration (here: other integer bits) is not reused.
      const ckFile = join(dir, 'rows-checkpoint.json');
      const ck = JSON.parse(readFileSync(ckFile, 'utf8'));
      ck.rows.find((x: TriggerRow) => x.name === 'ptq-6-2').config.integer = 5;
      writeFileSync(ckFile, JSON.stringify(ck));
      const r2 = await runTrigger(small);
      const res2 = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
      assert.deepEqual(res2.resumed_rows, ['hgq-beta1e-5']);
      assert.deepEqual(r2.rows[0], r1.rows[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
