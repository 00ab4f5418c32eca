/**
 * The generated Verilog, simulated by Verilator, against the bit-exact
 * emulator: random small networks with random precisions and modes, many
 * random input vectors each. Verilator must be installed (CI installs it);
 * without it the test fails with the message naming the missing tool.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nn, ParamSet, prngKey, type PRNGKey } from '../../src/autodiff/index.js';
import { csdTerms } from '../../src/hw/verilog/csd.js';
import { fixedType, fromNumber, OVERFLOW_MODES, QUANT_MODES } from '../../src/hw/fixed/ap-fixed.js';
import { irFromMlp, quantizeModel, type ModelIR } from '../../src/hw/ir.js';
import { exportVerilog } from '../../src/hw/verilog/project.js';
import { writeVerilog } from '../../src/hw/verilog/writer.js';
import { verifyVerilog } from '../../src/hw/verify.js';
import { randType } from './random-types.js';


/** A random 4->6->3 (or given sizes) network with random 4-8-bit weights and random layer types. */
function randomNet(seed: number, sizes: number[], output: 'linear' | 'softmax-argmax'): ModelIR {
  const key = prngKey(seed);
  const [kp, kt] = key.split(2);
  const vals = new ParamSet(nn.mlpInit(kp, sizes, { init: 'he' })).values() as { layers: { w: number[]; b: number[] }[] };
  vals.layers.forEach((l, i) => {
    l.w = Array.from(kp.fold(100 + i).normals(l.w.length), (a, k) => (k % 5 === 3 ? 0 : a)); // some zero weights
    l.b = Array.from(kp.fold(i).normals(l.b.length));
  });
  const layers = vals.layers.map((_, i) => {
    const k = kt.fold(i).split(6);
    return {
      weight: randType(k[0], 4, 8, { signed: true }),
      bias: randType(k[1], 4, 10, { signed: true }),
      // Even layers: an explicit (possibly overflowing, wrapping) accumulator; odd: the overflow-free default.
      accum: i % 2 === 0 ? randType(k[2], 10, 20, { signed: true, wrap: true }) : undefined,
      result: randType(k[3], 3, 12),
      relu: randType(k[4], 3, 10),
    };
  });
  return irFromMlp(vals, { input: randType(kt.fold(99), 4, 10), layers }, { name: `net${seed}`, output });
}

function randomInputs(ir: ModelIR, key: PRNGKey, n: number): bigint[][] {
  const t = ir.inputType;
  const u = key.uniforms(n * ir.nIn);
  // Raw values over the whole range of the input type (every bit pattern reachable).
  const span = 2 ** t.width;
  return Array.from({ length: n }, (_, e) =>
    Array.from({ length: ir.nIn }, (_, i) => {
      const r = BigInt(Math.floor(u[e * ir.nIn + i] * span));
      return t.signed ? BigInt.asIntN(t.width, r) : r;
    }),
  );
}

describe('hw Verilog export (Verilator)', function () {
  this.timeout(170_000);
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('CSD terms are canonical (no adjacent non-zero digits) and sum to the constant', () => {
    for (let c = -5000n; c <= 5000n; c++) {
      const t = csdTerms(c);
      assert.equal(t.reduce((s, d) => s + BigInt(d.sign) * (1n << BigInt(d.shift)), 0n), c);
      for (let k = 1; k < t.length; k++) assert.ok(t[k].shift - t[k - 1].shift >= 2, `adjacent digits in CSD of ${c}`);
    }
    assert.equal(csdTerms(0n).length, 0);
    assert.deepEqual(csdTerms(7n), [{ shift: 0, sign: -1 }, { shift: 3, sign: 1 }]);
  });

  it('writes a registered stage per layer and no logic for zero weights', () => {
    const ir = randomNet(5, [4, 6, 3], 'linear');
    const d = writeVerilog(ir);
    assert.equal(d.latencyCycles, 3);
    assert.equal((d.verilog.match(/always @\(posedge clk\)/g) ?? []).length, 6 + 6 + 3);
    const dense0 = ir.layers[0];
    assert.ok(dense0.kind === 'dense');
    dense0.weights.forEach((row, i) => row.forEach((w, j) => assert.equal(new RegExp(`l0_p${i}_${j} `).test(d.verilog), w !== 0n, `weight ${i},${j} = ${w}`)));
  });

  const cases: [number, number[], 'linear' | 'softmax-argmax', number][] = [
    [11, [4, 6, 3], 'linear', 3000],
    [12, [4, 6, 3], 'softmax-argmax', 3000],
    [13, [5, 7, 4, 2], 'linear', 3000],
  ];
  for (const [seed, sizes, output, n] of cases) {
    it(`net ${seed} (${sizes.join('->')}, ${output}): ${n} random vectors bit-exact against the emulator`, () => {
      const ir = randomNet(seed, sizes, output);
      const dir = mkdtempSync(join(tmpdir(), 'diffhep-hw-'));
      dirs.push(dir);
      const xRaw = randomInputs(ir, prngKey(seed).fold('inputs'), n);
      exportVerilog(dir, ir, xRaw);
      const t0 = Date.now();
      const r = verifyVerilog(dir);
      const secs = (Date.now() - t0) / 1000;
      console.log(`      net ${seed}: ${r.vectors} vectors, ${r.mismatches} mismatches, build+run ${secs.toFixed(1)} s`);
      assert.equal(r.simulator, 'verilator');
      assert.equal(r.vectors, n);
      assert.equal(r.mismatches, 0, `first mismatch at vector ${r.firstMismatch}`);
      // The comparison reads real simulator output, one line per vector.
      assert.equal(readFileSync(join(dir, 'out.hex'), 'utf8').trim().split('\n').length, n);
    });
  }

  it('every quantization x overflow mode pair as a layer result type: a 28-layer chain, 4000 vectors bit-exact', () => {
    const key = prngKey(21);
    const layers = [];
    let k = 0;
    for (const quant of QUANT_MODES) {
      for (const overflow of OVERFLOW_MODES) {
        const u = key.fold(k).uniforms(12);
        const width = 6 + Math.floor(u[0] * 7);
        // Near-identity 3x3 weights keep values spread over the range, so rounding ties and overflows both occur.
        const w = [0, 1, 2].map((i) => [0, 1, 2].map((j) => (i === j ? 1 + 0.5 * (u[1 + j] - 0.5) : 0.75 * (u[4 + 3 * i + j] - 0.5))));
        layers.push({
          kind: 'dense' as const,
          name: `m${k}`,
          weights: w,
          bias: [0.1, -0.2, 0.05],
          weightType: 'ap_fixed<6,2,AP_RND>',
          biasType: 'ap_fixed<8,2>',
          resultType: fixedType(width, 3, { signed: k % 3 !== 2, quant, overflow }),
        });
        k++;
      }
    }
    const ir = quantizeModel({ name: 'modes', nIn: 3, layers }, { inputType: 'ap_fixed<10,3>' });
    const dir = mkdtempSync(join(tmpdir(), 'diffhep-hw-'));
    dirs.push(dir);
    exportVerilog(dir, ir, randomInputs(ir, key.fold('x'), 4000));
    const r = verifyVerilog(dir);
    const distinct = new Set(readFileSync(join(dir, 'expected.hex'), 'utf8').trim().split('\n')).size;
    console.log(`      mode chain: ${r.vectors} vectors, ${r.mismatches} mismatches, ${distinct} distinct outputs`);
    assert.equal(r.mismatches, 0, `first mismatch at vector ${r.firstMismatch}`);
    assert.ok(distinct > 100, `${distinct} distinct outputs`);
  });

  it('reports a corrupted expected output as a mismatch, and a missing simulator by name', () => {
    const ir = randomNet(14, [2, 2], 'linear');
    const dir = mkdtempSync(join(tmpdir(), 'diffhep-hw-'));
    dirs.push(dir);
    exportVerilog(dir, ir, [[fromNumber(0.5, ir.inputType), 0n], [1n, -1n], [0n, 3n]]);
    assert.equal(verifyVerilog(dir).mismatches, 0);
    const lines = readFileSync(join(dir, 'expected.hex'), 'utf8').trim().split('\n');
    lines[1] = (BigInt('0x' + lines[1]) ^ 1n).toString(16).padStart(lines[1].length, '0');
    writeFileSync(join(dir, 'expected.hex'), lines.join('\n') + '\n');
    const bad = verifyVerilog(dir);
    assert.equal(bad.mismatches, 1);
    assert.equal(bad.firstMismatch, 1);
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      assert.throws(() => verifyVerilog(dir), /'verilator' is not installed/);
    } finally {
      process.env.PATH = path;
    }
  });
});
