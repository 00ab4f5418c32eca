/**
 * End to end on hls4ml's QKeras jet tagger: `diffhep hw export` from the
 * Keras files, `hw verify` (Verilator, bit-exact against the emulator), and
 * `hw report` of a small net through yosys; bad CLI input exits with a clear
 * message.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODEL_DIR } from './keras.test.js';

const BIN = join(process.cwd(), 'bin', 'diffhep.js');
const cli = (...args: string[]) => execFileSync('node', [BIN, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });

describe('hw CLI on the jet tagger', function () {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'diffhep-hw-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exports the QKeras 6-bit jet tagger to Verilog and Verilator matches the emulator on 400 vectors', () => {
    const out = join(dir, 'jetq');
    cli('hw', 'export', join(MODEL_DIR, 'qkeras_3layer_weights.h5'), '--precision', 'ap_fixed<16,6>', '--reuse', '1', '--target', 'verilog', '--vectors', '400', '--out', out);
    const r = JSON.parse(cli('hw', 'verify', out, '--json')) as { vectors: number; mismatches: number; simulator: string };
    assert.deepEqual(r, { vectors: 400, mismatches: 0, simulator: 'verilator' });
    const expected = readFileSync(join(out, 'expected.hex'), 'utf8').trim().split('\n');
    // The argmax outputs are not all one class: the vectors exercise the network.
    assert.ok(new Set(expected).size >= 3, `classes seen: ${[...new Set(expected)].join(',')}`);
  });

  it('reports yosys resources and the schedule of a small exported net', () => {
    const model = {
      name: 'small',
      nIn: 3,
      layers: [
        { kind: 'dense', name: 'd1', weights: [[0.5, -0.25, 1], [0.75, 0, -0.5], [0, 0.125, 0.25]], bias: [0.125, 0, -0.25] },
        { kind: 'relu', name: 'r1' },
        { kind: 'dense', name: 'd2', weights: [[1], [-0.5], [0.25]], bias: [0] },
      ],
    };
    const mj = join(dir, 'small.json');
    writeFileSync(mj, JSON.stringify(model));
    const out = join(dir, 'small');
    cli('hw', 'export', mj, '--precision', 'ap_fixed<8,3>', '--vectors', '16', '--out', out);
    const r = JSON.parse(cli('hw', 'report', out, '--json')) as Record<string, number>;
    assert.deepEqual(Object.keys(r).sort(), ['dsps', 'ffs', 'ii', 'latency_cycles', 'luts']);
    assert.equal(r.latency_cycles, 3);
    assert.equal(r.ii, 1);
    assert.equal(r.dsps, 0, 'constant multiplications are shift-add trees, not DSPs');
    // Registered outputs: 3 + 3 + 1 values of 8 bits, less the bits yosys proves constant (ReLU sign bits).
    assert.ok(r.luts > 0 && r.ffs >= 40 && r.ffs <= 56, JSON.stringify(r));
  });

  it('bad input: an unsupported target, a width above 64 and a missing directory give one clear line', () => {
    const run = (...a: string[]) => spawnSync('node', [BIN, ...a], { encoding: 'utf8' });
    const a = run('hw', 'export', join(MODEL_DIR, 'KERAS_3layer_weights.h5'), '--target', 'vhdl', '--out', join(dir, 'x'));
    assert.equal(a.status, 1);
    assert.match(a.stderr, /--target.*vhdl/);
    const b = run('hw', 'export', join(MODEL_DIR, 'KERAS_3layer_weights.h5'), '--precision', 'ap_fixed<65,6>', '--out', join(dir, 'y'));
    assert.equal(b.status, 1);
    assert.match(b.stderr, /precision\.W.*65.*\[1, 64\]/);
    const c = run('hw', 'verify', join(dir, 'nothing'), '--json');
    assert.equal(c.status, 1);
    assert.match(c.stderr, /not an export directory/);
  });
});
