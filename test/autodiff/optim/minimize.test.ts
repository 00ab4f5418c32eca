import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
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
  type Optimizer,
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

  it('keeps memory flat with every option on: projected bounds, clipping, key, callback, checkpoints, early stopping, resume', () => {
    const dir = mkdtempSync(join(tmpdir(), 'diffhep-mem-'));
    const ps = new ParamSet({ a: param([0.2, -0.3], { bounds: [-0.5, 0.5], transform: 'identity' }), s: param(1, { transform: 'log' }), t: param(0, { bounds: [-1, 1] }) });
    const loss = (p: Tree<Tensor>, _step: number, k?: ReturnType<typeof prngKey>) => {
      const { a, s, t } = p as { a: Tensor; s: Tensor; t: Tensor };
      const noise = tf.tensor1d(Float32Array.from(k!.normals(2)));
      return tf.add(tf.sum(tf.square(tf.sub(a, tf.add(2, tf.mul(0.01, noise))))), tf.add(tf.square(tf.sub(s, 3)), tf.square(tf.sub(t, 0.7))));
    };
    const counts: number[] = [];
    const opts = { steps: 400, key: prngKey(1), clipNorm: 1, earlyStopping: { patience: 1000 }, checkpoint: { path: join(dir, 'c.json'), every: 25 }, callback: (i: { step: number }) => void ((i.step === 20 || i.step === 399) && counts.push(tf.memory().numTensors)) };
    const before = tf.memory().numTensors;
    const r = minimize(loss, ps, { ...opts, steps: 200 });
    const r2 = minimize(loss, ps, opts);
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    assert.equal(r2.resumedFrom, 200);
    assert.equal(counts.length, 2);
    assert.equal(counts[0], counts[1], `live tensors at step 20 and 399: ${counts}`);
    assert.deepEqual(r.params.get('a'), [0.5, 0.5], 'identity-transformed parameters are clamped onto their bounds');
    assert.ok(Math.abs((r2.params.get('s') as number) - 3) < 1e-2 && (r2.params.get('t') as number) < 1);
  });

  it('a run killed (SIGKILL) mid-way and resumed from its checkpoint ends on the same parameters as an uninterrupted one', async function () {
    this.timeout(240000);
    const dir = mkdtempSync(join(tmpdir(), 'diffhep-ckpt-'));
    const script = join(here, 'fixtures', 'checkpointed-run.ts');
    const env = { ...process.env, DIFFHEP_BACKEND: 'wasm' };
    const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8', env });
    const full = run([join(dir, 'full.json'), join(dir, 'full-out.json')]);
    assert.equal(full.status, 0, full.stderr);

    // First attempt: the child signals that step 55 is done, then the parent kills it.
    const marker = join(dir, 'at-step');
    const child = spawn(process.execPath, ['--import', 'tsx', script, join(dir, 'ck.json'), join(dir, 'killed-out.json'), '55', marker], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const started = Date.now();
    while (!existsSync(marker) && child.exitCode === null && Date.now() - started < 120000) await new Promise((r) => setTimeout(r, 20));
    assert.ok(existsSync(marker), `the child reached step 55 (stderr: ${stderr})`);
    child.kill('SIGKILL');
    const end = await exited;
    assert.equal(end.signal, 'SIGKILL', 'the first attempt was killed');
    assert.ok(!existsSync(join(dir, 'killed-out.json')), 'and wrote no result');
    const ck = JSON.parse(readFileSync(join(dir, 'ck.json'), 'utf8'));
    assert.equal(ck.nextStep, 50, 'the last checkpoint before the kill is the one after step 49');
    assert.equal(ck.format, 'diffhep.checkpoint');
    assert.equal(ck.params.format, 'diffhep.params', 'the checkpoint holds the ParamSet JSON');
    assert.equal(ck.optimizer.state.step, 50, 'and the Adam state');

    const resumed = run([join(dir, 'ck.json'), join(dir, 'resumed-out.json')]);
    assert.equal(resumed.status, 0, resumed.stderr);
    const a = JSON.parse(readFileSync(join(dir, 'full-out.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(dir, 'resumed-out.json'), 'utf8'));
    assert.equal(b.resumedFrom, 50, 'resumed from the last checkpoint before the kill');
    assert.equal(a.u.length, 41);
    assert.deepEqual(b.u, a.u, 'bit-identical unconstrained parameters');
    assert.deepEqual(b.values, a.values);
    assert.deepEqual(b.history, a.history, 'the same loss at every step, before and after the kill');
    assert.deepEqual(b.best, a.best);
    assert.ok(a.history[119].loss < 0.5 * a.history[0].loss, 'the run trained');
  });

  it('rejects a checkpoint written for other parameters, naming both', () => {
    const dir = mkdtempSync(join(tmpdir(), 'diffhep-ckpt-'));
    const path = join(dir, 'c.json');
    minimize(quad(1), new ParamSet({ x: param(0) }), { steps: 3, checkpoint: { path, every: 1 } });
    assert.throws(() => minimize(quad(1), new ParamSet({ z: param(0) }), { steps: 3, checkpoint: { path } }), /\[x\].*\[z\]/);
  });
});

describe('optim: update rules, options and errors', () => {
  const bowl = (p: Tree<Tensor>) => {
    const { a, b } = p as { a: Tensor; b: Tensor };
    return tf.add(tf.square(a), tf.mul(3, tf.square(b)));
  };
  const steps3 = (optimizer: ReturnType<typeof adam>) => {
    const seen: number[][] = [];
    minimize(bowl, new ParamSet({ a: param(1), b: param(-2) }), { steps: 3, optimizer, callback: (s) => void seen.push([s.params.get('a') as number, s.params.get('b') as number]) });
    return seen;
  };

  it('Adam (with decoupled weight decay) and Nesterov SGD follow their update rules step by step', () => {
    const lr = 0.1, b1 = 0.8, b2 = 0.95, eps = 1e-6, wd = 0.05;
    let u = [1, -2];
    let m = [0, 0];
    let v = [0, 0];
    const expected: number[][] = [];
    for (let t = 1; t <= 3; t++) {
      const g = [2 * u[0], 6 * u[1]];
      m = m.map((mi, i) => b1 * mi + (1 - b1) * g[i]);
      v = v.map((vi, i) => b2 * vi + (1 - b2) * g[i] * g[i]);
      u = u.map((ui, i) => ui - lr * (m[i] / (1 - b1 ** t) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps)) - lr * wd * ui);
      expected.push(u.slice());
    }
    const got = steps3(adam({ learningRate: lr, beta1: b1, beta2: b2, epsilon: eps, weightDecay: wd }));
    got.flat().forEach((x, i) => assert.ok(Math.abs(x - expected.flat()[i]) < 2e-6, `adam ${i}: ${x} vs ${expected.flat()[i]}`));

    const mu = 0.7;
    let w = [1, -2];
    let vel = [0, 0];
    const expS: number[][] = [];
    for (let t = 0; t < 3; t++) {
      const g = [2 * w[0], 6 * w[1]];
      vel = vel.map((vi, i) => mu * vi + g[i]);
      w = w.map((wi, i) => wi - 0.05 * (g[i] + mu * vel[i]));
      expS.push(w.slice());
    }
    const gotS = steps3(sgd({ learningRate: 0.05, momentum: mu, nesterov: true }));
    gotS.flat().forEach((x, i) => assert.ok(Math.abs(x - expS.flat()[i]) < 2e-6, `sgd ${i}: ${x} vs ${expS.flat()[i]}`));
  });

  it('clipNorm limits the global gradient norm in u-space', () => {
    // Plain SGD with rate 1: the first step moves u by exactly the clipped gradient.
    const seen: { gradNorm: number; a: number; b: number }[] = [];
    minimize(bowl, new ParamSet({ a: param(1), b: param(-2) }), {
      steps: 1,
      optimizer: sgd({ learningRate: 1 }),
      clipNorm: 0.5,
      callback: (s) => void seen.push({ gradNorm: s.gradNorm, a: s.params.get('a') as number, b: s.params.get('b') as number }),
    });
    const gn = Math.hypot(2, 12);
    assert.ok(Math.abs(seen[0].gradNorm - gn) < 1e-5, 'gradNorm reports the unclipped norm');
    const moved = Math.hypot(seen[0].a - 1, seen[0].b + 2);
    assert.ok(Math.abs(moved - 0.5) < 1e-6, `moved ${moved}`);
    assert.ok(Math.abs((seen[0].a - 1) / (seen[0].b + 2) - 2 / -12) < 1e-5, 'along the gradient');
  });

  it('the loss receives key.fold(step); the callback can stop the run; learning rates follow the schedule', () => {
    const key = prngKey(9);
    const draws: number[] = [];
    const lrs: number[] = [];
    const r = minimize(
      (p, step, k) => {
        draws.push(k!.uniforms(1)[0]);
        assert.equal(k!.toString(), key.fold(step).toString());
        return tf.square((p as { x: Tensor }).x);
      },
      new ParamSet({ x: param(1) }),
      { steps: 50, key, optimizer: sgd({ learningRate: warmupSchedule(exponentialDecay(0.1, 0.5, 2), 2) }), callback: (s) => (lrs.push(s.learningRate), s.step === 4 ? 'stop' : undefined) },
    );
    assert.equal(r.steps, 5);
    assert.equal(r.history.length, 5);
    assert.equal(new Set(draws).size, 5, 'a different minibatch key at each step');
    [0.1 / 3, 0.2 / 3, 0.1, 0.1 * Math.SQRT1_2, 0.05].forEach((v, i) => assert.ok(Math.abs(lrs[i] - v) < 1e-12, `lr[${i}] = ${lrs[i]}, expected ${v}`));
  });

  it('a NaN loss names the parameter paths and values; a NaN gradient names the parameter', () => {
    const ps = new ParamSet({ lartpc: { lifetime: param(2.2, { unit: 'ms', transform: 'log' }), gain: param([1, 2]) } });
    const ln = (p: Tree<Tensor>) => tf.sum(tf.log(tf.sub((p as { lartpc: { gain: Tensor } }).lartpc.gain, 1.5)));
    assert.throws(
      () => minimize(ln, ps, { steps: 3 }),
      (e: unknown) => e instanceof NonFiniteError && /step 0/.test(e.message) && /lartpc\.lifetime = 2\.2/.test(e.message) && /lartpc\.gain\[0\] = 1\b/.test(e.message) && /NaN/.test(e.message),
    );
    // sqrt at 0: infinite gradient, finite loss
    const sq = (p: Tree<Tensor>) => tf.sqrt(tf.sub(tf.sum((p as { lartpc: { gain: Tensor } }).lartpc.gain), 3));
    assert.throws(
      () => minimize(sq, ps, { steps: 3 }),
      (e: unknown) => e instanceof NonFiniteError && e.field === 'lartpc.gain[0]' && /gradient of 'lartpc\.gain\[0\]' is Infinity/.test(e.message) && /2 non-finite/.test(e.message),
    );
  });

  it('an error leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    assert.throws(() => minimize((p) => tf.log(tf.sub((p as { x: Tensor }).x, 5)), new ParamSet({ x: param(1) }), { steps: 3 }), NonFiniteError);
    assert.throws(() => minimize(() => tf.ones([2]), new ParamSet({ x: param(1) }), { steps: 3 }), /scalar/);
    assert.equal(tf.memory().numTensors, before);
  });

  it('rejects bad options, naming the field and value', () => {
    const ps = new ParamSet({ x: param(0) });
    assert.throws(() => minimize(quad(1), ps, { steps: -1 }), /'steps' = -1/);
    assert.throws(() => minimize(quad(1), ps, { steps: 2.5 }), /'steps' = 2\.5/);
    assert.throws(() => minimize(quad(1), ps, { steps: 3, clipNorm: 0 }), /'clipNorm' = 0/);
    assert.throws(() => minimize(quad(1), ps, { steps: 3, earlyStopping: { patience: 0 } }), /earlyStopping\.patience/);
    assert.throws(() => minimize(quad(1), ps, { steps: 3, checkpoint: { path: '/tmp/x.json', every: 0 } }), /checkpoint\.every/);
    assert.throws(() => minimize(quad(1), new ParamSet({ x: param(0, { trainable: false }) }), { steps: 3 }), /no trainable parameters/);
    assert.throws(() => adam({ beta1: 1 }), /beta1/);
    assert.throws(() => sgd({ momentum: -0.1 }), /momentum/);
    assert.throws(() => minimize(quad(1), ps, { steps: 3, optimizer: sgd({ learningRate: (s) => (s < 1 ? 0.1 : NaN) }) }), /learningRate.*NaN.*step 1/);
  });

  it('a custom optimizer with the plain interface (no schedule) works; optimizer state round-trips through JSON exactly', () => {
    const sign: Optimizer = {
      name: 'sign-descent',
      init: () => ({ tensors: [], step: 0 }),
      update: (u, g, state) => ({ u: tf.tidy(() => tf.sub(u, tf.mul(0.01, tf.sign(g)))), state: { tensors: [], step: state.step + 1 } }),
      toJSON: (state) => ({ step: state.step }),
      fromJSON: (json) => ({ tensors: [], step: (json as { step: number }).step }),
    };
    let lr = 0;
    const r = minimize(quad(0.5), new ParamSet({ x: param(0) }), { steps: 100, optimizer: sign, callback: (s) => void (lr = s.learningRate) });
    assert.ok(Math.abs((r.params.get('x') as number) - 0.5) < 0.011);
    assert.ok(Number.isNaN(lr), 'no schedule to report');

    const opt = adam();
    const u = tf.tensor1d([0.1, -3.3333333, 1e-30]);
    const g = tf.tensor1d([0.7, 1 / 3, -2e-20]);
    const s0 = opt.init(u);
    const s1 = opt.update(u, g, s0);
    const json = JSON.parse(JSON.stringify(opt.toJSON(s1.state)));
    const back = opt.fromJSON(json);
    assert.equal(back.step, 1);
    back.tensors.forEach((t, i) => assert.deepEqual(Array.from(t.dataSync()), Array.from(s1.state.tensors[i].dataSync()), 'float32 values exact'));
    assert.throws(() => opt.fromJSON({ step: 1, tensors: [[1, 2]] }), /adam.*2 arrays/);
    assert.throws(() => opt.fromJSON({ step: 1, tensors: [[1, null], [1, 2]] }), /element 1/);
    tf.dispose([u, g, s1.u, ...s0.tensors, ...s1.state.tensors, ...back.tensors]);
  });

  it('early stopping is recorded in the checkpoint: a finished run resumes to the same best parameters without further steps', () => {
    const dir = mkdtempSync(join(tmpdir(), 'diffhep-ckpt-'));
    const path = join(dir, 'es.json');
    const opts = { steps: 10000, optimizer: sgd({ learningRate: 0.4 }), earlyStopping: { patience: 5, minDelta: 1e-9 }, checkpoint: { path, every: 7 } };
    const a = minimize(quad(1), new ParamSet({ x: param(0) }), opts);
    assert.ok(a.stoppedEarly);
    let calls = 0;
    const b = minimize((p) => (calls++, quad(1)(p)), new ParamSet({ x: param(0) }), opts);
    assert.equal(calls, 0);
    assert.ok(b.stoppedEarly);
    assert.equal(b.resumedFrom, a.steps);
    assert.equal(b.params.get('x'), a.params.get('x'));
    assert.deepEqual(b.best, a.best);
  });
});
