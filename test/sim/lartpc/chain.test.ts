import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { tf, prngKey, type Tensor, type Tree } from '../../../src/autodiff/index.js';
import { checkGrad, formatGradCheck, propertyParams } from '../../../src/autodiff/testing/index.js';
import {
  planReadout,
  simulateReadout,
  asLArTPCTensors,
  electronicsHard,
  electronicsRelaxed,
  triggerSchedule,
  simulate,
  driftVelocityHost,
  diffusionSigmaHost,
  pixelId,
  denseReadout,
  W_ION_MEV,
  LAR_DENSITY_G_CM3,
  type LArTPCTensors,
} from '../../../src/sim/lartpc/index.js';
import { smallConfig, smallParams, smallTracks, withLeaves, valuesOf } from './helpers.js';

const PHYS = ['recombination__Ab', 'recombination__kb', 'drift__efield', 'drift__lifetime', 'drift__DL', 'drift__DT'];
const GEOM = ['geometry__pitch', 'geometry__xMin', 'geometry__anodeZ'];

function leafValues(ps: ReturnType<typeof smallParams>, names: string[]): Record<string, number | Tensor> {
  const out: Record<string, number | Tensor> = {};
  for (const n of names) {
    const v = ps.get(n.replace('__', '.'));
    out[n] = typeof v === 'number' ? v : tf.tensor1d(v);
  }
  return out;
}

const relStep = { eps: 3e-3, richardson: true, scale: (n: string) => (n.includes('xMin') ? 1 : 1e-12), rtol: 3e-2, atol: 1e-6 };

describe('lartpc chain', () => {
  const seg = smallTracks(11, 4);
  const c = smallConfig();

  it('pixel response: autodiff = finite differences in every physics and geometry parameter', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), (s) => {
        const ps = smallParams();
        const r = prngKey(s).uniforms(6);
        ps.set('recombination.Ab', 0.79 + 0.08 * r[0]).set('drift.lifetime', 600 + 4000 * r[1]).set('drift.DL', 3e-6 + 5e-6 * r[2]).set('drift.DT', 5e-6 + 8e-6 * r[3]).set('drift.efield', 0.46 + 0.08 * r[4]);
        ps.set('geometry.xMin', 0.1 * r[5]);
        const v = valuesOf(ps);
        const plan = planReadout(seg, v, c);
        const base = asLArTPCTensors(ps.constantTree());
        const w = tf.tensor1d(Float32Array.from(prngKey(s + 1).normals(plan.layout.size)));
        const f = (p: Tree<Tensor>) => tf.div(tf.sum(tf.mul(w, simulateReadout(seg, withLeaves(base, p as Record<string, Tensor>), plan, c))), 1e5);
        const res = checkGrad(f, leafValues(ps, [...PHYS, 'geometry__pitch', 'geometry__xMin']) as never, relStep);
        // anode positions: an absolute step of ~1e-3 cm (a relative one would move the charge by ticks)
        const resZ = checkGrad(f, leafValues(ps, ['geometry__anodeZ']) as never, { ...relStep, eps: 3e-5 });
        assert.ok(resZ.ok, formatGradCheck(resZ));
        tf.dispose([w, ...Object.values(base).flatMap((g) => Object.values(g as Record<string, Tensor>))]);
        assert.ok(res.ok, formatGradCheck(res));
      }),
      propertyParams(2, 31),
    );
  });

  it('charge conservation: total readout = n_e x mean lifetime survival for segments well inside the pixel plane', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (s) => {
        const sg = smallTracks(s, 2);
        const ps = smallParams();
        const v = valuesOf(ps);
        const plan = planReadout(sg, v, c);
        const total = tf.tidy(() => tf.sum(simulateReadout(sg, asLArTPCTensors(ps.constantTree()), plan, c)).dataSync()[0]);
        const vd = driftVelocityHost(v.drift.efield, v.drift.temperature);
        const K = c.pointsPerSegment;
        let expect = 0;
        for (let i = 0; i < sg.dE.length; i++) {
          const R = v.recombination.Ab / (1 + (v.recombination.kb * sg.dEdx[i]) / (v.drift.efield * LAR_DENSITY_G_CM3));
          const ne = (R * sg.dE[i]) / W_ION_MEV;
          const zm = 0.5 * (sg.z_start[i] + sg.z_end[i]);
          const aZ = zm > 0 ? v.geometry.anodeZ[1] : v.geometry.anodeZ[0];
          for (let k = 0; k < K; k++) {
            const z = sg.z_start[i] + ((k + 0.5) / K) * (sg.z_end[i] - sg.z_start[i]);
            expect += (ne / K) * Math.exp(-Math.abs(aZ - z) / vd / v.drift.lifetime);
          }
        }
        assert.ok(Math.abs(total / expect - 1) < 2e-4, `total ${total} expected ${expect}`);
      }),
      propertyParams(4, 32),
    );
  });

  it('translation by one pixel pitch moves the readout by one pixel and changes nothing else', () => {
    const ps = smallParams();
    const v = valuesOf(ps);
    const p = v.geometry.pitch;
    const shifted = { ...seg, x_start: seg.x_start.map((x) => x + p), x_end: seg.x_end.map((x) => x + p), y_start: seg.y_start.map((y) => y + p), y_end: seg.y_end.map((y) => y + p) };
    const run = (sg: typeof seg) => {
      const plan = planReadout(sg, v, c);
      const rT = tf.tidy(() => simulateReadout(sg, asLArTPCTensors(ps.constantTree()), plan, c));
      const r = rT.dataSync() as Float32Array;
      rT.dispose();
      const m = new Map<string, number>();
      plan.layout.pixels.forEach((id, row) => {
        for (let k = 0; k < plan.layout.length[row]; k++) m.set(`${id}:${plan.layout.tickStart[row] + k}`, r[plan.layout.offset[row] + k]);
      });
      return m;
    };
    const a = run(seg);
    const b = run(shifted);
    let max = 0;
    let peak = 0;
    for (const [key, q] of a) {
      const [id, t] = key.split(':').map(Number);
      const tpc = Math.floor(id / (c.nx * c.ny));
      const ix = Math.floor((id % (c.nx * c.ny)) / c.ny);
      const iy = id % c.ny;
      const q2 = b.get(`${pixelId(tpc, ix + 1, iy + 1, c)}:${t}`) ?? 0;
      max = Math.max(max, Math.abs(q - q2));
      peak = Math.max(peak, q);
    }
    assert.ok(max < 2e-3 * peak, `max difference ${max} of peak ${peak}`);
  });

  it('electronics: relaxed mode equals hard mode in the hard limit (sigmoid slope -> 0), with noise', () => {
    const ps = smallParams();
    ps.set('electronics.threshold', 5000).set('electronics.triggerSlope', 1e-3);
    const v = valuesOf(ps);
    const plan = planReadout(seg, v, c);
    const key = prngKey(5);
    tf.tidy(() => {
      const p = asLArTPCTensors(ps.constantTree());
      const r = simulateReadout(seg, p, plan, c);
      const hard = electronicsHard(r.dataSync(), plan.layout, v, { key });
      const rel = electronicsRelaxed(r, plan.layout, p, v, { key });
      const w = rel.weight.dataSync();
      const q = rel.charge.dataSync();
      const adc = rel.adc.dataSync();
      const fired = Array.from(w).map((x, k) => [x, k] as const).filter(([x]) => x > 0.5);
      assert.ok(hard.row.length > 10, `${hard.row.length} hits`);
      assert.equal(fired.length, hard.row.length);
      assert.ok(Array.from(w).every((x) => x > 1 - 1e-6 || x < 1e-6), 'weights are 0 or 1');
      fired.forEach(([, k], j) => {
        assert.equal(rel.schedule.tick[k], hard.tick[j]);
        assert.ok(Math.abs(q[k] - hard.charge[j]) < 1e-4 * Math.abs(hard.charge[j]) + 1, `charge ${q[k]} vs ${hard.charge[j]}`);
        assert.ok(Math.abs(adc[k] - hard.adc[j]) <= 1);
      });
      const sameAdc = fired.filter(([, k], j) => adc[k] === hard.adc[j]).length;
      assert.ok(sameAdc >= 0.98 * fired.length);
    });
  });

  it('electronics (relaxed): gradients in threshold, trigger slope, gain-free charge and noise levels match finite differences (same key)', () => {
    const ps = smallParams();
    ps.set('electronics.threshold', 6000).set('electronics.triggerSlope', 3000);
    const v = valuesOf(ps);
    const plan = planReadout(seg, v, c);
    const key = prngKey(8);
    const base = asLArTPCTensors(ps.constantTree());
    const r = tf.tidy(() => simulateReadout(seg, base, plan, c));
    const f = (q: Tree<Tensor>) => {
      const { scale, ...rest } = q as Record<string, Tensor>;
      const p = withLeaves(base, rest);
      const e = electronicsRelaxed(tf.mul(r, scale), plan.layout, p, v, { key });
      return tf.add(tf.div(tf.sum(tf.mul(e.weight, e.charge)), 1e5), tf.sum(e.weight));
    };
    const res = checkGrad(f, { scale: 1, electronics__threshold: 6000, electronics__triggerSlope: 3000, electronics__resetNoise: 900, electronics__uncorrelatedNoise: 500, electronics__discriminatorNoise: 650 }, { eps: 1e-3, rtol: 3e-2, atol: 1e-4 });
    r.dispose();
    assert.ok(res.ok, formatGradCheck(res));
  });

  it('full chain (relaxed, with noise, trigger schedule held): gradients of a hit-level loss match finite differences', () => {
    const ps = smallParams();
    ps.set('electronics.triggerSlope', 3000).set('drift.lifetime', 1500).set('drift.DL', 6e-6);
    const v = valuesOf(ps);
    const plan = planReadout(seg, v, c);
    const key = prngKey(9);
    const base = asLArTPCTensors(ps.constantTree());
    // the trigger schedule (which ticks fire) is discrete: frozen at the base point, the chain is smooth
    const r0 = simulateReadout(seg, base, plan, c);
    const schedule = triggerSchedule(r0.dataSync(), plan.layout, v, { key }, true);
    r0.dispose();
    const f = (q: Tree<Tensor>) => {
      const p: LArTPCTensors = withLeaves(base, q as Record<string, Tensor>);
      const e = electronicsRelaxed(simulateReadout(seg, p, plan, c), plan.layout, p, v, { key, schedule });
      return tf.add(tf.div(tf.sum(tf.mul(e.weight, e.charge)), 1e5), tf.sum(e.weight));
    };
    const res = checkGrad(f, leafValues(ps, PHYS) as never, { ...relStep, eps: 1e-3 });
    assert.ok(res.ok, formatGradCheck(res));
  });

  it('gradient checkpointing of the chunks gives the same value and gradient', () => {
    const ps = smallParams();
    const v = valuesOf(ps);
    const plan = planReadout(seg, v, smallConfig({ chunkSize: 7 }));
    const cc = smallConfig({ chunkSize: 7 });
    const u = tf.tensor1d(Array.from(ps.unconstrainedVector()));
    const run = (ck: boolean) =>
      tf.tidy(() => {
        const g = tf.grad((x: Tensor) => tf.div(tf.sum(tf.square(simulateReadout(seg, asLArTPCTensors(ps.physicalTree(x)), plan, cc, ck))), 1e8))(u);
        return Array.from(g.dataSync());
      });
    const a = run(false);
    const b = run(true);
    u.dispose();
    a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= 1e-4 * Math.abs(x) + 1e-9, `${i}: ${x} vs ${b[i]}`));
  });

  it('dense view holds the same charge as the sparse readout, per TPC', () => {
    const ps = smallParams();
    const out = simulate(seg, ps, c, { key: prngKey(1) });
    const total = out.readout.reduce((a, b) => a + b, 0);
    let dense = 0;
    for (const tpc of [0, 1]) dense += denseReadout(out.readout, out.layout, c, tpc).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(dense / total - 1) < 1e-5, `${dense} vs ${total}`);
  });

  it('simulate: deterministic under a seed, noise changes with the seed, no tensors leak', () => {
    const ps = smallParams();
    const before = tf.memory().numTensors;
    const a = simulate(seg, ps, c, { key: prngKey(1) });
    const b = simulate(seg, ps, c, { key: prngKey(1) });
    const d = simulate(seg, ps, c, { key: prngKey(2) });
    const r = simulate(seg, ps, c, { key: prngKey(1), mode: 'relaxed' });
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(a.hits, b.hits);
    assert.notDeepEqual(a.hits.map((h) => h.charge), d.hits.map((h) => h.charge));
    assert.ok(a.hits.length > 10 && r.hits.length >= a.hits.length);
    void diffusionSigmaHost;
  });
});
