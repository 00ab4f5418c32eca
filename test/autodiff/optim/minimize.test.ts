import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  tf,
  ParamSet,
  param,
  prngKey,
  minimize,
  adam,
  sgd,
  nn,
  constantSchedule,
  exponentialDecay,
  cosineDecay,
  warmupSchedule,
  NonFiniteError,
  type Tensor,
  type Tree,
} from '../../../src/autodiff/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const quad = (target: number) => (p: Tree<Tensor>) => tf.square(tf.sub((p as { x: Tensor }).x, target));

describe('optim: schedules', () => {
  it('give the documented values', () => {
    assert.equal(constantSchedule(0.1)(1000), 0.1);
    assert.ok(Math.abs(exponentialDecay(1, 0.5, 10)(20) - 0.25) < 1e-12);
    assert.ok(Math.abs(cosineDecay(1, 100, 0.1)(0) - 1) < 1e-12);
    assert.ok(Math.abs(cosineDecay(1, 100, 0.1)(50) - 0.55) < 1e-12);
    assert.ok(Math.abs(cosineDecay(1, 100, 0.1)(500) - 0.1) < 1e-12);
    const w = warmupSchedule(constantSchedule(1), 4);
    assert.deepEqual([0, 1, 2, 3, 4, 5].map(w), [0.2, 0.4, 0.6, 0.8, 1, 1]);
    assert.throws(() => constantSchedule(-1), /learningRate/);
  });
});

describe('optim: minimize', () => {
  it('Adam converges on a quadratic through a sigmoid transform', () => {
    const ps = new ParamSet({ x: param(0, { bounds: [-5, 5] }) });
    const r = minimize(quad(2), ps, { steps: 400, optimizer: adam({ learningRate: 0.05 }) });
    assert.ok(Math.abs((r.params.get('x') as number) - 2) < 1e-3, `x = ${r.params.get('x')}`);
    assert.equal(ps.get('x'), 0, 'the input set is not modified');
  });

  it('SGD with Nesterov momentum converges on a quadratic with a log transform', () => {
    const ps = new ParamSet({ x: param(1, { transform: 'log' }) });
    const r = minimize(quad(3), ps, { steps: 300, optimizer: sgd({ learningRate: 0.02, momentum: 0.9, nesterov: true }) });
    assert.ok(Math.abs((r.params.get('x') as number) - 3) < 1e-3, `x = ${r.params.get('x')}`);
  });

  it('keeps a bounded parameter inside its bounds (target outside)', () => {
    const sig = minimize(quad(10), new ParamSet({ x: param(0, { bounds: [-1, 1] }) }), { steps: 200, optimizer: adam({ learningRate: 0.1 }) });
    const x1 = sig.params.get('x') as number;
    assert.ok(x1 < 1 && x1 > 0.99, `sigmoid: ${x1}`);
    const id = minimize(quad(10), new ParamSet({ x: param(0, { bounds: [-1, 1], transform: 'identity' }) }), { steps: 200, optimizer: adam({ learningRate: 0.1 }) });
    assert.equal(id.params.get('x'), 1, 'identity transform is projected onto the bound');
  });

  it('minimizes Rosenbrock with Adam', () => {
    const ps = new ParamSet({ x: param(-1), y: param(1) });
    const rosen = (p: Tree<Tensor>) => {
      const { x, y } = p as { x: Tensor; y: Tensor };
      return tf.add(tf.square(tf.sub(1, x)), tf.mul(100, tf.square(tf.sub(y, tf.square(x)))));
    };
    const r = minimize(rosen, ps, { steps: 3000, optimizer: adam({ learningRate: 0.02 }) });
    assert.ok(Math.abs((r.params.get('x') as number) - 1) < 2e-2 && Math.abs((r.params.get('y') as number) - 1) < 4e-2, JSON.stringify(r.params.values()));
  });

  it('early stopping returns the best parameters', () => {
    const ps = new ParamSet({ x: param(0) });
    const r = minimize(quad(1), ps, { steps: 10000, optimizer: sgd({ learningRate: 0.4 }), earlyStopping: { patience: 5, minDelta: 1e-9 } });
    assert.ok(r.stoppedEarly, 'stopped early');
    assert.ok(r.steps < 10000);
    assert.ok(Math.abs((r.params.get('x') as number) - 1) < 1e-3);
    assert.ok(r.best.loss - Math.min(...r.history.map((h) => h.loss)) <= 1e-9, "best is the minimum up to minDelta");
  });

  it('reports a NaN loss with the step, and a NaN gradient with the parameter path', () => {
    const ps = new ParamSet({ lartpc: { lifetime: param(2.2, { unit: 'ms' }), gain: param(1) } });
    assert.throws(
      () => minimize((p) => tf.log(tf.sub((p as { lartpc: { gain: Tensor } }).lartpc.gain, 5)), ps, { steps: 3 }),
      (e: unknown) => e instanceof NonFiniteError && /loss/.test((e as Error).message) && /step 0/.test((e as Error).message),
    );
    assert.throws(
      () => minimize((p) => tf.add(tf.sqrt(tf.sub((p as { lartpc: { lifetime: Tensor } }).lartpc.lifetime, 2.2)), 0), ps, { steps: 3 }),
      (e: unknown) => e instanceof NonFiniteError && /lartpc\.lifetime/.test((e as Error).message),
    );
  });

  it('runs 2000 Adam steps of an MLP regression with flat memory', () => {
    const key = prngKey(3);
    const x = tf.tensor2d(Float32Array.from(key.fold('x').normals(128 * 2)), [128, 2]);
    const y = tf.sum(tf.square(x), 1, true);
    const ps = new ParamSet(nn.mlpInit(key, [2, 16, 1]));
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    const r = minimize((p) => tf.mean(tf.square(tf.sub(nn.mlpApply(p, x), y))), ps, {
      steps: 2000,
      optimizer: adam({ learningRate: 0.01 }),
      callback: (s) => {
        if (s.step === 10 || s.step === 1999) counts.push(tf.memory().numTensors);
      },
    });
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    assert.equal(counts[0], counts[1], `live tensors at step 10 and 1999: ${counts}`);
    assert.ok(r.history[1999].loss < 0.2 * r.history[0].loss, 'it trained');
    x.dispose();
    y.dispose();
  });

  it('a run killed mid-way and resumed from its checkpoint ends on the same parameters as an uninterrupted one', function () {
    this.timeout(240000);
    const dir = mkdtempSync(join(tmpdir(), 'diffhep-ckpt-'));
    const script = join(here, 'fixtures', 'checkpointed-run.ts');
    const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8', env: { ...process.env, DIFFHEP_BACKEND: 'wasm' } });
    const full = run([join(dir, 'full.json'), join(dir, 'full-out.json')]);
    assert.equal(full.status, 0, full.stderr);
    const killed = run([join(dir, 'ck.json'), join(dir, 'killed-out.json'), '55']);
    assert.equal(killed.signal, 'SIGKILL', 'the first attempt died');
    assert.ok(!existsSync(join(dir, 'killed-out.json')), 'and wrote no result');
    assert.ok(existsSync(join(dir, 'ck.json')), 'but left a checkpoint');
    const resumed = run([join(dir, 'ck.json'), join(dir, 'resumed-out.json')]);
    assert.equal(resumed.status, 0, resumed.stderr);
    const a = JSON.parse(readFileSync(join(dir, 'full-out.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(dir, 'resumed-out.json'), 'utf8'));
    assert.equal(b.resumedFrom, 50, 'resumed from the last checkpoint before the kill');
    assert.deepEqual(b.u, a.u);
    assert.deepEqual(b.final, a.final);
  });

  it('rejects a checkpoint written for other parameters, naming both', () => {
    const dir = mkdtempSync(join(tmpdir(), 'diffhep-ckpt-'));
    const path = join(dir, 'c.json');
    minimize(quad(1), new ParamSet({ x: param(0) }), { steps: 3, checkpoint: { path, every: 1 } });
    assert.throws(() => minimize(quad(1), new ParamSet({ z: param(0) }), { steps: 3, checkpoint: { path } }), /\[x\].*\[z\]/);
  });
});
