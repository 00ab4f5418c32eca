/**
 * Time-multiplexed Verilog (reuse factor > 1), simulated by Verilator,
 * against the bit-exact emulator: random small networks with random
 * precisions and modes, reuse factors that do and do not divide the number of
 * products, and the latency and initiation interval measured by the
 * testbench equal to the design's.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nn, ParamSet, prngKey, type PRNGKey } from '../../src/autodiff/index.js';
import { irFromMlp, type DenseLayer, type ModelIR } from '../../src/hw/ir.js';
import { exportVerilog } from '../../src/hw/verilog/project.js';
import { denseSchedule, writeVerilog } from '../../src/hw/verilog/writer.js';
import { verifyVerilog } from '../../src/hw/verify.js';
import { randType } from './random-types.js';


/** Random net: random 3-8-bit weights (about a fifth zero), random types, wrapping accumulators on even layers. */
function randomNet(seed: number, sizes: number[], output: 'linear' | 'softmax-argmax'): ModelIR {
  const [kp, kt] = prngKey(seed).split(2);
  const vals = new ParamSet(nn.mlpInit(kp, sizes, { init: 'he' })).values() as { layers: { w: number[]; b: number[] }[] };
  vals.layers.forEach((l, i) => {
    const z = kp.fold(200 + i).uniforms(l.w.length);
    l.w = Array.from(kp.fold(100 + i).normals(l.w.length), (a, k) => (z[k] < 0.2 ? 0 : a));
    l.b = Array.from(kp.fold(i).normals(l.b.length));
  });
  const layers = vals.layers.map((_, i) => {
    const k = kt.fold(i).split(6);
    return {
      weight: randType(k[0], 3, 8, { signed: true }),
      bias: randType(k[1], 4, 10, { signed: true }),
      accum: i % 2 === 0 ? randType(k[2], 10, 20, { signed: true, wrap: true }) : undefined,
      result: randType(k[3], 3, 12),
      relu: randType(k[4], 3, 10),
    };
  });
  return irFromMlp(vals, { input: randType(kt.fold(99), 4, 10), layers }, { name: `rnet${seed}`, output });
}

function randomInputs(ir: ModelIR, key: PRNGKey, n: number): bigint[][] {
  const t = ir.inputType;
  const u = key.uniforms(n * ir.nIn);
  const span = 2 ** t.width;
  return Array.from({ length: n }, (_, e) =>
    Array.from({ length: ir.nIn }, (_, i) => {
      const r = BigInt(Math.floor(u[e * ir.nIn + i] * span));
      return t.signed ? BigInt.asIntN(t.width, r) : r;
    }),
  );
}

const nnz = (l: DenseLayer) => l.weights.flat().filter((w) => w !== 0n).length;

describe('hw Verilog export at reuse factor > 1 (Verilator)', function () {
  this.timeout(240_000);
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('schedules every non-zero product exactly once on ceil(nnz / R) multipliers, R phases each', () => {
    const ir = randomNet(31, [5, 7, 4], 'linear');
    for (const l of ir.layers) {
      if (l.kind !== 'dense') continue;
      for (const r of [1, 2, 3, 4, 7, 11, 40, 100]) {
        const s = denseSchedule(l, r);
        assert.equal(s.length, Math.ceil(nnz(l) / r));
        assert.ok(s.every((m) => m.length === r));
        const seen = s.flat().filter((p) => p !== null).map((p) => `${p!.i},${p!.j}`);
        assert.equal(seen.length, nnz(l));
        assert.equal(new Set(seen).size, nnz(l));
        for (const p of s.flat()) if (p) assert.equal(l.weights[p.i][p.j], p.w);
      }
    }
    const d = writeVerilog(ir, { reuse: 3 });
    const dense = ir.layers.filter((l): l is DenseLayer => l.kind === 'dense');
    const planned = dense.reduce((s, l) => s + Math.ceil(nnz(l) / 3), 0);
    assert.equal((d.verilog.match(/ \* /g) ?? []).length, planned);
    // Every output depends on the inputs here, so every multiplier counts as live for the estimator.
    assert.equal(d.stats.multipliers.length, planned);
    assert.equal(d.ii, 3);
    assert.equal(d.latencyCycles, 1 + 3 + 1 + 3);
    assert.throws(() => writeVerilog(ir, { reuse: 0 }), /reuse/);
    assert.throws(() => writeVerilog(ir, { reuse: 2.5 }), /reuse/);
  });

  // [seed, sizes, output, reuse factors, vectors]
  const cases: [number, number[], 'linear' | 'softmax-argmax', number[], number][] = [
    [41, [4, 6, 3], 'linear', [2, 7], 600],
    [42, [4, 6, 3], 'softmax-argmax', [3], 600],
    [43, [5, 7, 4, 2], 'linear', [4], 600],
    [44, [3, 5, 2], 'linear', [64], 300],
  ];
  for (const [seed, sizes, output, reuses, n] of cases) {
    for (const reuse of reuses) {
      it(`net ${seed} (${sizes.join('->')}, ${output}) at reuse ${reuse}: ${n} vectors bit-exact, measured latency and II as designed`, () => {
        const ir = randomNet(seed, sizes, output);
        const dense = ir.layers.filter((l): l is DenseLayer => l.kind === 'dense');
        const dir = mkdtempSync(join(tmpdir(), 'diffhep-hwr-'));
        dirs.push(dir);
        const d = exportVerilog(dir, ir, randomInputs(ir, prngKey(seed).fold(`x${reuse}`), n), { reuse });
        const t0 = Date.now();
        const r = verifyVerilog(dir);
        const secs = (Date.now() - t0) / 1000;
        const timing = readFileSync(join(dir, 'timing.txt'), 'utf8').trim();
        const [, lat, iiMin, iiMax, outs] = timing.match(/latency (\d+) ii_min (\d+) ii_max (\d+) outputs (\d+)/)!.map(Number);
        const divides = dense.map((l) => nnz(l) % reuse === 0);
        const mults = dense.reduce((s, l) => s + denseSchedule(l, reuse).length, 0);
        console.log(`      net ${seed} R=${reuse}: ${r.vectors} vectors, ${r.mismatches} mismatches, ${mults} multipliers (nnz % R == 0: ${divides.join('/')}), latency ${lat}, II ${iiMin}-${iiMax}, build+run ${secs.toFixed(1)} s`);
        assert.equal(r.mismatches, 0, `first mismatch at vector ${r.firstMismatch}`);
        assert.equal(outs, n);
        assert.equal(lat, d.latencyCycles);
        assert.equal(iiMin, d.ii);
        assert.equal(iiMax, d.ii);
        assert.equal(d.ii, reuse);
        const meta = JSON.parse(readFileSync(join(dir, 'design.json'), 'utf8'));
        assert.deepEqual([meta.reuse, meta.ii, meta.latencyCycles, meta.ports], [reuse, reuse, lat, 'valid']);
      });
    }
  }
});
