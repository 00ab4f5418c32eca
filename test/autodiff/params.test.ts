/**
 * Parameter sets: JSON round trip, validation errors naming the path,
 * gradients through the log and sigmoid transforms, and the unconstrained
 * vector's inverse.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { tf, ParamSet, param, valueAndGrad, bijector, DiffhepError, type Tensor, type Tree } from '../../src/autodiff/index.js';
import { checkGrad, propertyParams, arbFloat32 } from '../../src/autodiff/testing/index.js';
import { assertClose, assertAllClose, assertGradOk } from './helpers.js';

const lartpc = () =>
  new ParamSet({
    lartpc: {
      lifetime: param(2.2, { unit: 'ms', bounds: [0.5, 5], transform: 'log', doc: 'electron lifetime' }),
      efield: param(0.5, { unit: 'kV/cm', bounds: [0.45, 0.55] }),
      pitch: param(0.4434, { unit: 'cm', trainable: false }),
      gains: param([1.0, 0.9, 1.1], { unit: 'ADC/ke' }),
    },
    calo: { sampling: param([[0.1, 0.2], [0.3, 0.4]], { bounds: [0, 1], transform: 'sigmoid' }) },
  });

describe('parameter sets', () => {
  it('round-trips through JSON and through a file written atomically', () => {
    const ps = lartpc();
    ps.set('lartpc.lifetime', 3.1).set('lartpc.gains', [1.2, 0.8, 1.05]);
    const back = ParamSet.fromJSON(JSON.parse(JSON.stringify(ps.toJSON())));
    assert.deepEqual(back.toJSON(), ps.toJSON());
    assert.deepEqual(back.values(), ps.values());
    assert.deepEqual(back.trainableNames(), ['lartpc.lifetime', 'lartpc.efield', 'lartpc.gains[0]', 'lartpc.gains[1]', 'lartpc.gains[2]', 'calo.sampling[0]', 'calo.sampling[1]', 'calo.sampling[2]', 'calo.sampling[3]']);
    const dir = mkdtempSync(join(tmpdir(), 'diffhep-params-'));
    try {
      const file = join(dir, 'sub', 'params.json');
      ps.save(file);
      assert.deepEqual(readdirSync(join(dir, 'sub')), ['params.json'], 'no temporary file left behind');
      const loaded = ParamSet.load(file);
      assert.deepEqual(loaded.toJSON(), ps.toJSON());
      assert.equal(JSON.parse(readFileSync(file, 'utf8')).format, 'diffhep.params');
      writeFileSync(join(dir, 'bad.json'), '{"format": "diffhep.params", "params": [');
      assert.throws(() => ParamSet.load(join(dir, 'bad.json')), (e: unknown) => e instanceof DiffhepError && /not valid JSON/.test(e.message));
      assert.throws(() => ParamSet.load(join(dir, 'missing.json')), (e: unknown) => e instanceof DiffhepError && /cannot read/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad values, bounds and transforms with errors naming the path', () => {
    const cases: [() => unknown, string, RegExp][] = [
      [() => new ParamSet({ lartpc: { lifetime: param(6, { bounds: [0.5, 5], transform: 'log' }) } }), 'lartpc.lifetime', /outside bounds \[0.5, 5\]/],
      [() => new ParamSet({ lartpc: { lifetime: param(-1, { transform: 'log' }) } }), 'lartpc.lifetime', /positive/],
      [() => new ParamSet({ lartpc: { efield: param(0.5, { transform: 'sigmoid' }) } }), 'lartpc.efield.transform', /needs bounds/],
      [() => new ParamSet({ lartpc: { efield: param(0.5, { bounds: [1, 0] }) } }), 'lartpc.efield.bounds', /lo < hi/],
      [() => new ParamSet({ lartpc: { efield: param(0.45, { bounds: [0.45, 0.55] }) } }), 'lartpc.efield', /edge of bounds/],
      [() => new ParamSet({ lartpc: { gains: param([1, NaN, 1]) } }), 'lartpc.gains[1]', /NaN/],
      [() => lartpc().set('lartpc.lifetime', 9), 'lartpc.lifetime', /outside bounds/],
      [() => lartpc().set('lartpc.gains', [1, 2]), 'lartpc.gains', /holds 3 values, got 2/],
      [() => lartpc().get('lartpc.nope'), 'lartpc.nope', /no parameter 'lartpc.nope'/],
      [() => ParamSet.fromJSON({ format: 'diffhep.params', version: 1, params: [{ path: 'a.b', shape: [2], values: [1] }] }), 'params[0].values', /a\.b/],
      [() => ParamSet.fromJSON({ format: 'other' }), 'format', /not a diffhep parameter file/],
    ];
    for (const [fn, field, msg] of cases) {
      assert.throws(fn, (e: unknown) => {
        assert.ok(e instanceof DiffhepError, `not a DiffhepError: ${String(e)}`);
        assert.equal(e.field, field, e.message);
        assert.match(e.message, msg);
        if (!/format|no parameter|holds/.test(e.message)) assert.ok(e.message.includes(field.replace(/\.(bounds|transform|values)$/, '').replace(/^params\[0\]$/, '')), e.message);
        return true;
      });
    }
    assert.throws(() => lartpc().setUnconstrained(new Float64Array(3)), (e: unknown) => e instanceof DiffhepError && /expected 9/.test(e.message));
  });

  it('setUnconstrained is the inverse of unconstrainedVector, and stays within bounds (property)', () => {
    fc.assert(
      fc.property(arbFloat32(0.51, 4.99), arbFloat32(0.451, 0.549), fc.array(arbFloat32(0.01, 0.99), { minLength: 4, maxLength: 4 }), (lifetime, efield, s) => {
        const ps = lartpc().set('lartpc.lifetime', lifetime).set('lartpc.efield', efield).set('calo.sampling', s);
        const u = ps.unconstrainedVector();
        const x = ps.trainableVector();
        const ps2 = lartpc().setUnconstrained(u);
        assertAllClose(ps2.trainableVector(), x, 1e-9, 1e-12, 'x(u(x))');
        assertAllClose(ps2.unconstrainedVector(), u, 1e-7, 1e-9, 'u(x(u))');
        assertClose(u[0], Math.log(lifetime), 1e-12, 0, 'log transform');
        // any unconstrained vector maps inside the bounds
        const wild = lartpc().setUnconstrained(u.map((v, i) => v + (i % 2 ? 30 : -30)));
        const t = wild.trainableVector();
        assert.ok(t[1] >= 0.45 && t[1] <= 0.55 && t.slice(5).every((v) => v >= 0 && v <= 1) && t[0] > 0);
      }),
      propertyParams(30, 901),
    );
  });

  it('physicalTree is differentiable through the log and sigmoid transforms (property), with frozen parameters constant', () => {
    fc.assert(
      fc.property(fc.array(arbFloat32(-2, 2), { minLength: 9, maxLength: 9 }), (u0) => {
        const ps = lartpc();
        // a model reading every parameter: lifetime, efield, gains, sampling, pitch
        const model = (t: Tree<Tensor>) => {
          const p = ps.physicalTree((t as { u: Tensor }).u) as unknown as { lartpc: { lifetime: Tensor; efield: Tensor; pitch: Tensor; gains: Tensor }; calo: { sampling: Tensor } };
          const l = p.lartpc;
          return tf.add(tf.add(tf.mul(tf.exp(tf.div(-1, l.lifetime)), tf.sum(l.gains)), tf.mul(tf.square(l.efield), l.pitch)), tf.sum(tf.mul(p.calo.sampling, tf.tensor2d([[1, 2], [3, 4]]))));
        };
        const u = tf.tensor1d(u0);
        assertGradOk(checkGrad(model, { u }, { rtol: 1e-2, atol: 1e-4 }), 'physicalTree');
        // the chain rule through the transforms, analytically, for lifetime (log) and efield (sigmoid on [0.45, 0.55])
        const g = (valueAndGrad(model)({ u }).grad as { u: number[] }).u;
        const tau = Math.exp(u0[0]);
        const gains = u0[2] + u0[3] + u0[4];
        assertClose(g[0], Math.exp(-1 / tau) * gains * (1 / tau ** 2) * tau, 1e-4, 1e-6, 'd/du lifetime');
        const sg = 1 / (1 + Math.exp(-u0[1]));
        const ef = 0.45 + 0.1 * sg;
        assertClose(g[1], 2 * ef * 0.4434 * 0.1 * sg * (1 - sg), 1e-4, 1e-7, 'd/du efield');
        assert.equal(ps.jacobianDiagonal().length, 9);
        assertClose(bijector('sigmoid', [0.45, 0.55]).derivative(u0[1]), 0.1 * sg * (1 - sg), 1e-12, 0, 'bijector derivative');
        u.dispose();
      }),
      propertyParams(10, 902),
    );
  });

  it('bijector first and second derivatives equal central differences of forward (property, all transforms)', () => {
    const bs = [bijector('identity'), bijector('log'), bijector('sigmoid', [0.78, 0.88]), bijector('sigmoid', [2e-6, 9e-6])];
    fc.assert(
      fc.property(fc.double({ min: -6, max: 6, noNaN: true }), (u) => {
        for (const b of bs) {
          const h = 1e-4;
          const d1 = (b.forward(u + h) - b.forward(u - h)) / (2 * h);
          const d2 = (b.forward(u + h) - 2 * b.forward(u) + b.forward(u - h)) / (h * h);
          const scale = Math.abs(b.derivative(u)) + 1e-300;
          assertClose(b.derivative(u), d1, 1e-6, 1e-9 * scale, `${b.name} dx/du at ${u}`);
          assertClose(b.secondDerivative(u), d2, 1e-3, 1e-4 * scale, `${b.name} d2x/du2 at ${u}`);
        }
      }),
      propertyParams(50, 903),
    );
  });

  it('withTrainable freezes a subtree, clone is deep', () => {
    const ps = lartpc();
    const frozen = ps.withTrainable('calo', false);
    assert.equal(frozen.size, 5);
    assert.equal(ps.size, 9);
    const c = ps.clone().set('lartpc.lifetime', 1);
    assert.equal(ps.get('lartpc.lifetime'), 2.2);
    assert.equal(c.get('lartpc.lifetime'), 1);
  });
});
