/**
 * The HLS C++ export compiled with g++ against diffhep's own ap_fixed header
 * and run on the export's test vectors, against the bit-exact emulator:
 * random networks with random precisions and modes, every quantization x
 * overflow pair, 64-bit types (128-bit products), reuse factors > 1, an
 * hls4ml jet tagger, the header's casts against castRaw, the command line,
 * and bad input. g++ must be installed (CI installs it); without it the tests
 * fail with the message naming it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { DiffhepError, DomainError, NonFiniteError, nn, ParamSet, prngKey, type PRNGKey } from '../../src/autodiff/index.js';
import { propertyParams } from '../../src/autodiff/testing/index.js';
import { castRaw, fixedType, formatFixed, fracBits, fromNumber, OVERFLOW_MODES, QUANT_MODES, type FixedType } from '../../src/hw/fixed/ap-fixed.js';
import { irFromJson, irFromMlp, irToJson, quantizeModel, type ModelIR } from '../../src/hw/ir.js';
import { readKeras } from '../../src/hw/import/keras.js';
import { apFixedHeaderPath, installApFixedHeader } from '../../src/hw/hls/header.js';
import { exportHls } from '../../src/hw/hls/project.js';
import { verifyHls } from '../../src/hw/hls/verify.js';
import { fixedLiteral, writeHls } from '../../src/hw/hls/writer.js';
import { randType } from './random-types.js';

const MODEL_DIR = join(process.cwd(), '..', 'shared', 'models', 'hls4ml-jet-tagger');
const BIN = join(process.cwd(), 'bin', 'diffhep.js');


/** A random MLP (some zero weights) with random per-layer types; explicit wrapping accumulators on even layers. */
function randomNet(seed: number, sizes: number[], output: 'linear' | 'softmax-argmax'): ModelIR {
  const [kp, kt] = prngKey(seed).split(2);
  const vals = new ParamSet(nn.mlpInit(kp, sizes, { init: 'he' })).values() as { layers: { w: number[]; b: number[] }[] };
  vals.layers.forEach((l, i) => {
    l.w = Array.from(kp.fold(100 + i).normals(l.w.length), (a, k) => (k % 5 === 3 ? 0 : a));
    l.b = Array.from(kp.fold(i).normals(l.b.length));
  });
  const layers = vals.layers.map((_, i) => {
    const k = kt.fold(i).split(6);
    return {
      weight: randType(k[0], 3, 10, { signed: true }),
      bias: randType(k[1], 4, 12, { signed: true }),
      accum: i % 2 === 0 ? randType(k[2], 10, 24, { signed: true, wrap: true }) : undefined,
      result: randType(k[3], 3, 14),
      relu: randType(k[4], 3, 12),
    };
  });
  return irFromMlp(vals, { input: randType(kt.fold(99), 4, 12), layers }, { name: `net${seed}`, output });
}

/** Raw inputs over the whole code range of the input type. */
function randomInputs(ir: ModelIR, key: PRNGKey, n: number): bigint[][] {
  const t = ir.inputType;
  const u = key.uniforms(2 * n * ir.nIn);
  return Array.from({ length: n }, (_, e) =>
    Array.from({ length: ir.nIn }, (_, i) => {
      const k = 2 * (e * ir.nIn + i);
      const r = (BigInt(Math.floor(u[k] * 2 ** 32)) << 32n) | BigInt(Math.floor(u[k + 1] * 2 ** 32));
      return t.signed ? BigInt.asIntN(t.width, r) : BigInt.asUintN(t.width, r);
    }),
  );
}

/** 64 random bits as a BigInt (unsigned). */
function bits64(u: Float64Array | Float32Array | number[], k: number): bigint {
  return (BigInt(Math.floor(u[k] * 2 ** 32)) << 32n) | BigInt(Math.floor(u[k + 1] * 2 ** 32));
}

describe('hw HLS C++ export (g++)', function () {
  this.timeout(170_000);
  const root = mkdtempSync(join(tmpdir(), 'diffhep-hls-'));
  let n = 0;
  const newDir = () => join(root, `e${n++}`);
  const savedEnv = process.env.XILINX_AP_INCLUDE;
  before(() => {
    delete process.env.XILINX_AP_INCLUDE; // these tests compile against the shipped header
  });
  after(() => {
    if (savedEnv !== undefined) process.env.XILINX_AP_INCLUDE = savedEnv;
    rmSync(root, { recursive: true, force: true });
  });

  it("the header's conversions equal castRaw for every quantization x overflow mode (casts and exact products up to 64 x 64 bits)", () => {
    // One C++ program: per case a source type (or the product of two types) converted to a
    // destination type, on random raw values and the range ends.
    const key = prngKey(7);
    const L: string[] = ['#include <cstdio>', '#include "ap_fixed.h"', ''];
    L.push('template <int SW, class S, int DW, class D> void cast_case(const unsigned long long* r, int n) {');
    L.push('  for (int k = 0; k < n; k++) { S s; s.range(SW - 1, 0) = r[k]; D d = s; std::printf("%llu\\n", (unsigned long long)d.range(DW - 1, 0).to_uint64()); }', '}');
    L.push('template <int AW, class A, int BW, class B, int DW, class D> void mult_case(const unsigned long long* ra, const unsigned long long* rb, int n) {');
    L.push('  for (int k = 0; k < n; k++) { A a; a.range(AW - 1, 0) = ra[k]; B b; b.range(BW - 1, 0) = rb[k]; D d = a * b; std::printf("%llu\\n", (unsigned long long)d.range(DW - 1, 0).to_uint64()); }', '}');
    const main: string[] = ['int main() {'];
    const expected: bigint[] = [];
    const lit = (v: bigint) => `${BigInt.asUintN(64, v)}ULL`;
    const rawOf = (t: FixedType, r: bigint) => (t.signed ? BigInt.asIntN(t.width, r) : BigInt.asUintN(t.width, r));
    const anyType = (k: PRNGKey, wMax: number): FixedType => {
      const u = k.uniforms(3);
      const w = 1 + Math.floor(u[0] * wMax);
      return fixedType(w, w - Math.floor(u[1] * (w + 5)), { signed: u[2] < 0.6 });
    };
    let c = 0;
    let ties = 0;
    let overflows = 0;
    for (const quant of QUANT_MODES) {
      for (const overflow of OVERFLOW_MODES) {
        for (let rep = 0; rep < 4; rep++, c++) {
          const kc = key.fold(c).split(4);
          const u = kc[0].uniforms(4 + 4 * 24);
          const product = rep >= 2;
          const a = anyType(kc[1], 64);
          let b = anyType(kc[2], 64);
          if (product && !a.signed && !b.signed && a.width + b.width > 127) b = fixedType(b.width, b.integer, { signed: true });
          const srcF = product ? fracBits(a) + fracBits(b) : fracBits(a);
          // Destination step near the source step (ties and overflows happen), any width up to 64.
          const dw = 1 + Math.floor(u[0] * 64);
          const df = Math.max(0, srcF - 3 + Math.floor(u[1] * 12));
          const dst = fixedType(dw, Math.max(dw - df, -1024), { signed: u[2] < 0.6, quant, overflow });
          const edges = (t: FixedType) => (t.signed ? [-(1n << BigInt(t.width - 1)), (1n << BigInt(t.width - 1)) - 1n, 0n, -1n] : [0n, (1n << BigInt(t.width)) - 1n, 1n]);
          const ra = [...edges(a), ...Array.from({ length: 20 }, (_, k) => rawOf(a, bits64(u, 4 + 2 * k)))];
          const rb = [...edges(b), ...Array.from({ length: 20 }, (_, k) => rawOf(b, bits64(u, 48 + 2 * k)))].slice(0, ra.length);
          while (rb.length < ra.length) rb.push(rawOf(b, BigInt(rb.length)));
          for (let k = 0; k < ra.length; k++) {
            const src = product ? ra[k] * rb[k] : ra[k];
            const got = castRaw(src, srcF, dst);
            expected.push(BigInt.asUintN(dst.width, got));
            const shift = srcF - fracBits(dst);
            if (shift > 0 && ((src >> BigInt(shift - 1)) & 1n) === 1n && (src & ((1n << BigInt(shift - 1)) - 1n)) === 0n) ties++;
            if (got !== castRaw(src, srcF, fixedType(64, 64 - fracBits(dst), { quant }))) overflows++;
          }
          L.push(`static const unsigned long long ra${c}[] = {${ra.map(lit).join(', ')}};`);
          if (product) {
            L.push(`static const unsigned long long rb${c}[] = {${rb.map(lit).join(', ')}};`);
            main.push(`  mult_case<${a.width}, ${formatFixed(a)}, ${b.width}, ${formatFixed(b)}, ${dst.width}, ${formatFixed(dst)} >(ra${c}, rb${c}, ${ra.length});`);
          } else main.push(`  cast_case<${a.width}, ${formatFixed(a)}, ${dst.width}, ${formatFixed(dst)} >(ra${c}, ${ra.length});`);
        }
      }
    }
    main.push('  return 0;', '}');
    const dir = newDir();
    installApFixedHeader(join(dir, 'include'));
    writeFileSync(join(dir, 'casts.cpp'), [...L, '', ...main, ''].join('\n'));
    execFileSync('g++', ['-O1', '-std=c++17', '-Wall', '-Werror', `-I${join(dir, 'include')}`, '-o', join(dir, 'casts'), join(dir, 'casts.cpp')]);
    const got = execFileSync(join(dir, 'casts'), { encoding: 'utf8', maxBuffer: 64 << 20 }).trim().split('\n').map((s) => BigInt(s));
    console.log(`      ${c} cases, ${expected.length} conversions, ${ties} ties, ${overflows} overflowing`);
    assert.equal(got.length, expected.length);
    const bad = got.findIndex((g, i) => g !== expected[i]);
    assert.equal(bad, -1, `conversion ${bad}: header ${got[bad]}, castRaw ${expected[bad]}`);
    assert.ok(ties > 50 && overflows > 300, `${ties} ties, ${overflows} overflows`);
  });

  it('random networks with random types and modes, at reuse factors 1-5: bit-exact against the emulator (property, 4 networks x 1500 vectors)', () => {
    const shapes: [number[], 'linear' | 'softmax-argmax'][] = [
      [[4, 6, 3], 'linear'],
      [[4, 6, 3], 'softmax-argmax'],
      [[5, 7, 4, 2], 'linear'],
      [[6, 3, 5], 'softmax-argmax'],
    ];
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 5 }), (seed, s, reuse) => {
        const [sizes, output] = shapes[s];
        const ir = randomNet(seed, sizes, output);
        const dir = newDir();
        exportHls(dir, ir, randomInputs(ir, prngKey(seed).fold('x'), 1500), { reuse });
        const r = verifyHls(dir);
        console.log(`      net ${seed} (${sizes.join('->')}, ${output}, R=${reuse}): ${r.vectors} vectors, ${r.mismatches} mismatches, g++ build+run ${r.seconds.toFixed(1)} s`);
        assert.equal(r.simulator, 'g++');
        assert.equal(r.vectors, 1500);
        assert.equal(readFileSync(join(dir, 'out.hex'), 'utf8').trim().split('\n').length, 1500);
        assert.equal(r.mismatches, 0, `first mismatch at vector ${r.firstMismatch}`);
      }),
      propertyParams(4, 20261123),
    );
  });

  it('every quantization x overflow pair as a layer result type (a 28-layer chain) and 64-bit types with 128-bit products: bit-exact', () => {
    const key = prngKey(21);
    const layers = [];
    let k = 0;
    for (const quant of QUANT_MODES) {
      for (const overflow of OVERFLOW_MODES) {
        const u = key.fold(k).uniforms(12);
        const width = 6 + Math.floor(u[0] * 7);
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
    const chain = quantizeModel({ name: 'modes', nIn: 3, layers }, { inputType: 'ap_fixed<10,3>' });
    const d1 = newDir();
    exportHls(d1, chain, randomInputs(chain, key.fold('x'), 3000));
    const r1 = verifyHls(d1);
    const distinct = new Set(readFileSync(join(d1, 'expected.hex'), 'utf8').trim().split('\n')).size;
    console.log(`      mode chain: ${r1.vectors} vectors, ${r1.mismatches} mismatches, ${distinct} distinct outputs`);
    assert.equal(r1.mismatches, 0, `first mismatch at vector ${r1.firstMismatch}`);
    assert.ok(distinct > 100, `${distinct} distinct outputs`);

    // 64-bit input, 62-bit weights (more than 53 significant bits: literals written as sums), 64-bit
    // wrapping accumulator with rounding of the 126-bit products, saturating 64-bit results.
    const z = key.fold('wide').normals(4 * 3 + 3 + 3 * 2 + 2);
    const wide = quantizeModel(
      {
        name: 'wide',
        nIn: 4,
        layers: [
          { kind: 'dense', name: 'w1', weights: [0, 1, 2, 3].map((i) => [0, 1, 2].map((j) => z[3 * i + j] * (1 + 2 ** -50))), bias: [z[12], z[13], z[14]], weightType: 'ap_fixed<62,3,AP_RND_CONV>', biasType: 'ap_fixed<64,4>', accumType: 'ap_fixed<64,7,AP_RND_ZERO>', resultType: 'ap_fixed<64,5,AP_RND_INF,AP_SAT_SYM>' },
          { kind: 'relu', name: 'r1', resultType: 'ap_ufixed<64,4,AP_RND,AP_SAT>' },
          { kind: 'dense', name: 'w2', weights: [0, 1, 2].map((i) => [0, 1].map((j) => z[15 + 2 * i + j])), bias: [z[21], z[22]], weightType: 'ap_fixed<60,2>', biasType: 'ap_fixed<40,4>', accumType: 'ap_fixed<64,8,AP_RND_MIN_INF>', resultType: 'ap_fixed<48,6,AP_TRN_ZERO,AP_SAT>' },
        ],
      },
      { inputType: 'ap_fixed<64,6,AP_RND,AP_SAT>' },
    );
    // Doubles carry at most 53 significant bits: fill the weights with random 62- and 60-bit raw values.
    const wu = key.fold('wraw').uniforms(2 * 18);
    let q = 0;
    for (const l of wide.layers) if (l.kind === 'dense') l.weights = l.weights.map((r) => r.map(() => BigInt.asIntN(l.weightType.width, bits64(wu, 2 * q++))));
    const w1 = wide.layers[0];
    assert.ok(w1.kind === 'dense' && w1.weights.flat().some((w) => (w < 0n ? -w : w).toString(2).replace(/0+$/, '').length > 53), 'some weight needs more than 53 bits');
    const d2 = newDir();
    exportHls(d2, wide, randomInputs(wide, key.fold('wx'), 2000));
    assert.match(readFileSync(join(d2, 'hls', 'firmware', 'weights', 'w0.h'), 'utf8'), /layer0_weight_t\([-0-9.e]+\) \+ layer0_weight_t\(/);
    const r2 = verifyHls(d2);
    const distinct2 = new Set(readFileSync(join(d2, 'expected.hex'), 'utf8').trim().split('\n')).size;
    console.log(`      64-bit net: ${r2.vectors} vectors, ${r2.mismatches} mismatches, ${distinct2} distinct outputs`);
    assert.ok(distinct2 > 300, `${distinct2} distinct outputs`);
    assert.equal(r2.mismatches, 0, `first mismatch at vector ${r2.firstMismatch}`);
  });

  it('fixedLiteral writes every raw value exactly (one double up to 53 significant bits, else a sum of two)', () => {
    const t = fixedType(64, 10);
    const key = prngKey(3).uniforms(400);
    for (let k = 0; k < 200; k++) {
      const raw = BigInt.asIntN(64, bits64(key, 2 * k) >> BigInt(k % 64));
      const s = fixedLiteral(raw, t, 'w_t', 'w');
      const parts = s.includes('w_t(') ? [...s.matchAll(/w_t\(([^)]+)\)/g)].map((m) => m[1]) : [s];
      const sum = parts.reduce((acc, p) => acc + fromNumber(Number(p), t), 0n);
      assert.equal(sum, raw, `${raw} -> ${s}`);
    }
    assert.equal(fixedLiteral(3n << 10n, fixedType(16, 6), 'x', 'w'), '3.0');
    assert.equal(fixedLiteral(0n, fixedType(16, 6), 'x', 'w'), '0.0');
  });

  it('pragmas follow the reuse factor: PIPELINE II = R, ceil(nIn·nOut / R) multipliers per dense layer', () => {
    const ir = randomNet(5, [16, 10, 5], 'softmax-argmax');
    const p1 = writeHls(ir, { reuse: 1 });
    assert.match(p1.files['firmware/myproject.cpp'], /#pragma HLS PIPELINE II=1\n/);
    assert.doesNotMatch(p1.files['firmware/layers.h'], /ALLOCATION/);
    assert.equal((p1.files['firmware/layers.h'].match(/ARRAY_PARTITION variable=w\d complete/g) ?? []).length, 2);
    assert.deepEqual(p1.layers.map((l) => l.multipliers), [160, undefined, 50, undefined]);
    const p7 = writeHls(ir, { reuse: 7 });
    assert.match(p7.files['firmware/myproject.cpp'], /#pragma HLS PIPELINE II=7\n/);
    assert.deepEqual(p7.layers.map((l) => l.multipliers), [Math.ceil(160 / 7), undefined, Math.ceil(50 / 7), undefined]);
    const h = p7.files['firmware/layers.h'];
    assert.match(h, /ALLOCATION operation instances=mul limit=23\n/);
    assert.match(h, /UNROLL factor=23\n/);
    assert.match(h, /ARRAY_RESHAPE variable=w2 cyclic factor=8\n/);
    assert.equal(p7.ii, 7);
    assert.equal(p7.latencyCycles, 7 + 1 + 7 + 1);
    // One function per layer, typedefs per layer.
    assert.equal((h.match(/^void layer\d_/gm) ?? []).length, 4);
    assert.match(p7.files['firmware/defines.h'], /typedef ap_fixed<\d+,-?\d+[^>]*> layer0_accum_t;/);
    assert.throws(() => writeHls(ir, { reuse: 0 }), /invalid 'reuse' = 0/);
  });

  it("the shipped header is found in a checkout and in the built package's layout, and an export is self-contained", () => {
    const src = apFixedHeaderPath();
    assert.match(src, /src[\\/]hw[\\/]hls[\\/]include[\\/]diffhep_ap_fixed\.h$/);
    // dist/src/hw/hls/*.js resolves to <package>/src/hw/hls/include (package.json "files" ships it).
    assert.equal(apFixedHeaderPath(join(process.cwd(), 'dist', 'src', 'hw', 'hls')), join(process.cwd(), 'src', 'hw', 'hls', 'include', 'diffhep_ap_fixed.h'));
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { files: string[] };
    assert.ok(pkg.files.includes('src/hw/hls/include'), JSON.stringify(pkg.files));
    assert.throws(() => apFixedHeaderPath(join(root, 'nowhere')), /diffhep_ap_fixed\.h' is missing/);
  });

  it('hls4ml\'s 70 % pruned jet tagger (16->64->32->32->5) at ap_fixed<16,6>, reuse 4: 2000 vectors bit-exact', async () => {
    const m = await readKeras(join(MODEL_DIR, 'KERAS_3layer.json'), join(MODEL_DIR, 'KERAS_3layer_70pruned_retrained_weights.h5'));
    const ir = quantizeModel(m, { precision: 'ap_fixed<16,6>' });
    const dir = newDir();
    exportHls(dir, ir, randomInputs(ir, prngKey(9), 2000), { reuse: 4 });
    const meta = JSON.parse(readFileSync(join(dir, 'design.json'), 'utf8')) as { multipliers: Record<string, number>; ii: number };
    assert.deepEqual(Object.values(meta.multipliers), [256, 512, 256, 40]);
    const r = verifyHls(dir);
    const classes = new Set(readFileSync(join(dir, 'expected.hex'), 'utf8').trim().split('\n'));
    console.log(`      pruned jet tagger: ${r.vectors} vectors, ${r.mismatches} mismatches, ${classes.size} classes, g++ build+run ${r.seconds.toFixed(1)} s`);
    assert.equal(r.mismatches, 0, `first mismatch at vector ${r.firstMismatch}`);
    assert.ok(classes.size >= 3);
  });

  it('CLI: QKeras jet tagger exported with --target hls, verified by g++ (own header, and a given ap_fixed.h directory), reported', () => {
    const cli = (...args: string[]) => execFileSync('node', [BIN, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, XILINX_AP_INCLUDE: '' } });
    const out = newDir();
    cli('hw', 'export', join(MODEL_DIR, 'qkeras_3layer_weights.h5'), '--precision', 'ap_fixed<16,6>', '--target', 'hls', '--vectors', '500', '--out', out);
    assert.deepEqual(JSON.parse(cli('hw', 'verify', out, '--json')), { vectors: 500, mismatches: 0, simulator: 'g++' });
    assert.ok(new Set(readFileSync(join(out, 'expected.hex'), 'utf8').trim().split('\n')).size >= 3);
    // An include directory of one's own choosing (here: an ap_fixed.h that includes the shipped
    // header) is used instead of hls/include and reported as such.
    const inc = join(root, 'other-include');
    mkdirSync(inc, { recursive: true });
    writeFileSync(join(inc, 'ap_fixed.h'), `#include "${apFixedHeaderPath()}"\n`);
    rmSync(join(out, 'hls', 'include'), { recursive: true });
    assert.deepEqual(JSON.parse(cli('hw', 'verify', out, '--json', '--ap-include', inc)), { vectors: 500, mismatches: 0, simulator: 'g++ (Xilinx ap_fixed.h)' });
    const rep = JSON.parse(cli('hw', 'report', out, '--json')) as Record<string, number>;
    assert.equal(rep.ii, 1);
    assert.equal(rep.latency_cycles, 8);
    assert.ok(['luts', 'ffs', 'dsps'].every((k) => Number.isInteger(rep[k]) && rep[k] >= 0), JSON.stringify(rep));
    assert.match(readFileSync(join(out, 'report.json'), 'utf8'), /analytic estimate/);
  });

  it('bad input: I > W, W > 64, an unsupported layer, NaN weights, a bad include directory, a missing g++, a corrupted expected output', () => {
    const run = (...a: string[]) => spawnSync('node', [BIN, ...a], { encoding: 'utf8' });
    const a = run('hw', 'export', join(MODEL_DIR, 'KERAS_3layer_weights.h5'), '--target', 'hls', '--precision', 'ap_fixed<6,8>', '--out', newDir());
    assert.equal(a.status, 1);
    assert.match(a.stderr, /precision\.I.*8.*W = 6/);
    const ir = randomNet(14, [3, 2], 'linear');
    const j = irToJson(ir) as { layers: { weightType: { width: number }; kind: string; name: string }[] };
    j.layers[0].weightType.width = 70;
    const bad = join(root, 'bad-ir.json');
    writeFileSync(bad, JSON.stringify(j));
    const b = run('hw', 'export', bad, '--target', 'hls', '--out', newDir());
    assert.equal(b.status, 1);
    assert.match(b.stderr, /fc0\.weightType\.W.*70.*\[1, 64\]/);
    const j2 = irToJson(ir) as { layers: { kind: string; name: string }[] };
    j2.layers[0].kind = 'conv2d';
    assert.throws(() => writeHls(irFromJson(j2)), (e: unknown) => e instanceof DiffhepError && /layers\[0\] 'fc0': unsupported layer kind 'conv2d'/.test((e as Error).message));
    assert.throws(
      () => quantizeModel({ name: 'n', nIn: 2, layers: [{ kind: 'dense', name: 'fc7', weights: [[1], [NaN]], bias: [0] }] }),
      (e: unknown) => e instanceof NonFiniteError && /fc7\.weights\[1\]\[0\]/.test((e as Error).message),
    );
    const dir = newDir();
    exportHls(dir, ir, randomInputs(ir, prngKey(15), 3));
    assert.throws(() => verifyHls(dir, { apInclude: root }), (e: unknown) => e instanceof DomainError && /apInclude.*ap_fixed\.h/.test((e as Error).message));
    assert.equal(verifyHls(dir).mismatches, 0);
    const lines = readFileSync(join(dir, 'expected.hex'), 'utf8').trim().split('\n');
    lines[1] = (BigInt('0x' + lines[1]) ^ 1n).toString(16).padStart(lines[1].length, '0');
    writeFileSync(join(dir, 'expected.hex'), lines.join('\n') + '\n');
    const c = verifyHls(dir);
    assert.equal(c.mismatches, 1);
    assert.equal(c.firstMismatch, 1);
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      assert.throws(() => verifyHls(dir), /'g\+\+' is not installed/);
    } finally {
      process.env.PATH = path;
    }
  });
});
