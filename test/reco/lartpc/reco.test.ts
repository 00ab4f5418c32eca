import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { tf, prngKey, type Tensor, type Tree } from '../../../src/autodiff/index.js';
import { checkGrad, formatGradCheck, propertyParams, assertClose } from '../../../src/autodiff/testing/index.js';
import { ionizationElectrons, trackSegments, concatSegments, driftVelocityHost, LAR_TEMPERATURE_K, MODULE0, MUON_MASS_MEV } from '../../../src/sim/lartpc/index.js';
import {
  hitsFromArrays,
  reconstructPoints,
  birksEnergy,
  lifetimeCorrected,
  principalAxis,
  softExtent,
  reconstructEvents,
  selectHits,
  clusterHits,
  csdaRangeCm,
  rangeToKineticEnergy,
  dedxProfile,
  truncatedMeanDedx,
  simulatedHits,
  type RecoGeometry,
  type RecoTensors,
} from '../../../src/reco/lartpc/index.js';
import { config, recoCfg, muon, simulateHits, recoTensors, concatHits, num } from './helpers.js';

const VD = driftVelocityHost(0.5, LAR_TEMPERATURE_K);
const geom = (): RecoGeometry => ({ pitch: tf.scalar(MODULE0.pixelPitchCm), xMin: tf.scalar(MODULE0.xRangeCm[0]), yMin: tf.scalar(MODULE0.yRangeCm[0]), anodeZ: tf.tensor1d([...MODULE0.anodeZCm]) });

describe('lartpc reconstruction', () => {
  it('3D points invert the drift: pixel centre within pitch/2, z within v_d·tick/2 (property, both TPCs)', () => {
    const c = config();
    const cfg = recoCfg(c);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (s) => {
        const u = prngKey(s).uniforms(40 * 3);
        const n = 40;
        const truth: number[][] = [];
        const a = { tpc: [] as number[], ix: [] as number[], iy: [] as number[], tick: [] as number[] };
        const t0 = 3.7;
        for (let i = 0; i < n; i++) {
          const x = -30 + 60 * u[3 * i];
          const y = -80 + 115 * u[3 * i + 1];
          const z = -29.5 + 59 * u[3 * i + 2];
          const tpc = z > 0 ? 1 : 0;
          const dir = tpc === 1 ? 1 : -1;
          const t = (dir * (MODULE0.anodeZCm[tpc] - z)) / VD + t0;
          truth.push([x, y, z]);
          a.tpc.push(tpc);
          a.ix.push(Math.floor((x - MODULE0.xRangeCm[0]) / MODULE0.pixelPitchCm));
          a.iy.push(Math.floor((y - MODULE0.yRangeCm[0]) / MODULE0.pixelPitchCm));
          a.tick.push(Math.round(t / c.tickUs));
        }
        const h = hitsFromArrays({ charge: new Array(n).fill(1e4), ...a });
        const xyz = tf.tidy(() => num(reconstructPoints(h, geom(), tf.scalar(VD), tf.scalar(t0), cfg)));
        tf.dispose([h.charge, h.weight]);
        for (let i = 0; i < n; i++) {
          assert.ok(Math.abs(xyz[3 * i] - truth[i][0]) <= MODULE0.pixelPitchCm / 2 + 1e-4, `x ${xyz[3 * i]} vs ${truth[i][0]}`);
          assert.ok(Math.abs(xyz[3 * i + 1] - truth[i][1]) <= MODULE0.pixelPitchCm / 2 + 1e-4, `y ${xyz[3 * i + 1]} vs ${truth[i][1]}`);
          assert.ok(Math.abs(xyz[3 * i + 2] - truth[i][2]) <= (VD * c.tickUs) / 2 + 1e-4, `z ${xyz[3 * i + 2]} vs ${truth[i][2]}`);
        }
      }),
      propertyParams(5, 11),
    );
  });

  it('3D points: autodiff = finite differences in pitch, plane origin, anode positions, v_d and t0', () => {
    const h = hitsFromArrays({ charge: [1, 2, 3, 4], tpc: [0, 1, 1, 0], ix: [3, 70, 120, 9], iy: [5, 200, 17, 260], tick: [50, 200, 333, 12] });
    const wts = tf.tensor2d([0.3, -1.2, 0.7, 1.1, 0.4, -0.5, 0.9, 0.2, -0.8, 0.6, -0.3, 1.4], [4, 3]);
    const f = (p: Tree<Tensor>) => {
      const q = p as Record<string, Tensor>;
      return tf.sum(tf.mul(wts, reconstructPoints(h, { pitch: q.pitch, xMin: q.xMin, yMin: q.yMin, anodeZ: q.anodeZ }, q.vd, q.t0, recoCfg(config()))));
    };
    const r = checkGrad(f, { pitch: 0.4434, xMin: -31.04, yMin: -83.86, anodeZ: tf.tensor1d([-30.431, 30.431]), vd: VD, t0: 1.5 }, { eps: 1e-3, rtol: 1e-2, atol: 1e-3 });
    assert.ok(r.ok, formatGradCheck(r));
    tf.dispose([wts, h.charge, h.weight]);
  });

  it('charge → energy inverts Birks recombination and lifetime exactly (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1.6, max: 9, noNaN: true }), fc.double({ min: 0.3, max: 2, noNaN: true }), fc.double({ min: 0, max: 190, noNaN: true }), fc.double({ min: 500, max: 5000, noNaN: true }), (dEdx, len, t, tau) =>
        tf.tidy(() => {
          const dE = dEdx * len;
          const rp = { Ab: tf.scalar(0.8), kb: tf.scalar(0.0486), alpha: tf.scalar(0.93), beta: tf.scalar(0.207) };
          const ne = ionizationElectrons(tf.tensor1d([dE]), tf.tensor1d([dEdx]), tf.scalar(0.5), rp, 'birks');
          const q = tf.mul(ne, Math.exp(-t / tau));
          const qc = lifetimeCorrected(q, tf.tensor1d([t]), tf.scalar(tau));
          const e = birksEnergy(qc, tf.div(qc, len), tf.scalar(0.5), rp.Ab, rp.kb).dataSync()[0];
          assertClose(e, dE, 2e-4, 1e-6, `energy of ${dE} MeV at ${dEdx} MeV/cm, t ${t} µs`);
        }),
      ),
      propertyParams(30, 12),
    );
  });

  it('charge → energy on simulated hits: a MIP track at 20 cm drift reconstructs its deposited energy within 3 %, and a 10 % low lifetime raises it by the predicted factor', () => {
    const seg = muon([-5, -20, 10.4], [1, 0.5, 0], 24);
    const { hits } = simulateHits(seg);
    const trueE = seg.dE.reduce((a, b) => a + b, 0);
    const cfg = recoCfg(config());
    const e = (tau: number) => tf.tidy(() => reconstructEvents(hits, recoTensors({ lifetimeUs: tau }), geom(), cfg, 1).features.energyMeV.dataSync()[0]);
    const e0 = e(2200);
    assert.ok(Math.abs(e0 / trueE - 1) < 0.03, `reconstructed ${e0} MeV vs deposited ${trueE} MeV`);
    const tDrift = (30.431 - 10.4) / VD;
    const predicted = Math.exp(tDrift / 1980 - tDrift / 2200);
    assertClose(e(1980) / e0, predicted, 3e-3, 0, 'energy ratio for lifetime 1980 vs 2200 µs');
    tf.dispose([hits.charge, hits.weight]);
  });

  it('principal axis recovers a straight track: direction to 1e-3, soft extent within 1 cm, √(12λ₁) within 4 % (property, random directions)', () => {
    const cfg = recoCfg(config());
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (s) => {
        const u = prngKey(s).normals(3);
        const n = Math.hypot(u[0], u[1], u[2]);
        const d: [number, number, number] = [u[0] / n, u[1] / n, (0.6 * u[2]) / n];
        const dn = Math.hypot(...d);
        const dir = d.map((x) => x / dn) as [number, number, number];
        const L = 20;
        const start: [number, number, number] = [-dir[0] * 10, -20 - dir[1] * 10, 15 - dir[2] * 10];
        const { hits } = simulateHits(muon(start, dir, L));
        tf.tidy(() => {
          const { features } = reconstructEvents(hits, recoTensors(), geom(), cfg, 1);
          const got = num(features.direction);
          const cos = Math.abs(got[0] * dir[0] + got[1] * dir[1] + got[2] * dir[2]);
          assert.ok(cos > 0.999, `|cos| ${cos} for direction ${dir}`);
          const ext = features.extentCm.dataSync()[0];
          assert.ok(Math.abs(ext - L) < 1, `extent ${ext} vs ${L}`);
          const rl = features.rmsLengthCm.dataSync()[0];
          assert.ok(Math.abs(rl / L - 1) < 0.04, `rms length ${rl} vs ${L}`);
        });
        tf.dispose([hits.charge, hits.weight]);
      }),
      propertyParams(4, 13),
    );
  });

  it('muon-hypothesis energy: a contained stopping muon gives T_μ + m_μ from its range within 1 %; with a proton, T_μ + m_μ + T_p within 8 %; an exiting event falls back to calorimetry', () => {
    const Tmu = 250;
    const Tp = 120;
    const vtx: [number, number, number] = [0, -70, 12];
    const mu = trackSegments({ particle: 'muon', start: vtx, direction: [0.1, 1, -0.15], kineticMeV: Tmu, maxLengthCm: 500, stepCm: 0.5 });
    const p = trackSegments({ particle: 'proton', start: vtx, direction: [-1, 0.05, 0.3], kineticMeV: Tp, maxLengthCm: 100, stepCm: 0.2 });
    const fid = { x: [-28, 28] as [number, number], y: [-80.8, 37.2] as [number, number], z: [-27.4, 27.4] as [number, number] };
    const run = (seg: ReturnType<typeof trackSegments>, fiducial?: typeof fid) => {
      const { hits, sim } = simulateHits(seg);
      const out = tf.tidy(() => {
        const r = reconstructEvents(hits, recoTensors(), sim.geometry, { ...recoCfg(config()), fiducial }, 1);
        return { e: r.features.muonHypothesisEnergyMeV.dataSync()[0], cal: r.features.energyMeV.dataSync()[0], contained: r.plan.contained[0] };
      });
      tf.dispose([hits.charge, hits.weight]);
      return out;
    };
    const alone = run(mu, fid);
    assert.equal(alone.contained, 1);
    assertClose(alone.e, Tmu + MUON_MASS_MEV, 0.01, 0, 'muon alone: range energy + m_μ');
    // with the proton: its calorimetric energy is low by ~20 % (Birks saturation in the Bragg peak) and its
    // first hits fall inside the track radius
    const both = run(concatSegments([mu, p]), fid);
    assert.equal(both.contained, 1);
    const expected = Tmu + MUON_MASS_MEV + Tp;
    assert.ok(Math.abs(both.e / expected - 1) < 0.08, `muon-hypothesis energy ${both.e} MeV vs ${expected} MeV`);
    const exiting = run(concatSegments([mu, p]));
    assert.equal(exiting.contained, 0);
    assertClose(exiting.e, exiting.cal + MUON_MASS_MEV, 1e-5, 0, 'without a fiducial box: calorimetric + m_μ');
  });

  it('features are invariant under a permutation of the hits', () => {
    const seg = muon([0, -30, 12], [0.3, 1, 0.2], 15);
    const { hits } = simulateHits(seg, { key: 5 });
    const n = hits.tick.length;
    const u = prngKey(9).uniforms(n);
    const perm = Int32Array.from(Array.from({ length: n }, (_, i) => i).sort((a, b) => u[a] - u[b]));
    const cfg = recoCfg(config());
    const feats = (h: typeof hits) => tf.tidy(() => {
      const f = reconstructEvents(h, recoTensors(), geom(), cfg, 1).features;
      return [f.energyMeV, f.extentCm, f.rmsLengthCm, f.principalFraction, f.transverseRmsCm, f.meanDedx, f.showerFraction].map((t) => t.dataSync()[0]);
    });
    const a = feats(hits);
    const permuted = tf.tidy(() => selectHits(hits, perm) as never) as typeof hits;
    const b = feats(permuted);
    a.forEach((x, i) => assertClose(b[i], x, 1e-4, 1e-6, `feature ${i}`));
    tf.dispose([hits.charge, hits.weight, permuted.charge, permuted.weight]);
  });

  it('clustering separates two distant tracks and labels by charge', () => {
    const xyz: number[] = [];
    const q: number[] = [];
    for (let i = 0; i < 20; i++) xyz.push(i * 0.5, 0, 0), q.push(1);
    for (let i = 0; i < 10; i++) xyz.push(i * 0.5, 10, 0), q.push(3);
    const cl = clusterHits(xyz, new Array(30).fill(1), q, 1.5);
    assert.equal(cl.count, 2);
    assert.deepEqual(Array.from(cl.label.slice(0, 20)), new Array(20).fill(1));
    assert.deepEqual(Array.from(cl.label.slice(20)), new Array(10).fill(0));
    assert.throws(() => clusterHits([0, 0], [1], [1]), /xyz/);
  });

  it('range energy: CSDA range = length of a proton/muon stopped by the simulation generator (2 %), T → R → T round trip, dT/dR vs finite differences', () => {
    for (const [particle, T] of [
      ['proton', 150],
      ['muon', 120],
    ] as const) {
      const seg = trackSegments({ particle, start: [0, 0, 0], direction: [1, 0, 0], kineticMeV: T, maxLengthCm: 500, stepCm: 0.05 });
      const length = seg.x_end[seg.x_end.length - 1];
      const R = csdaRangeCm(particle, T);
      assert.ok(Math.abs(R / length - 1) < 0.02, `${particle} ${T} MeV: CSDA ${R} cm vs stepped ${length} cm`);
      const back = tf.tidy(() => rangeToKineticEnergy(particle, tf.tensor1d([R])).dataSync()[0]);
      assertClose(back, T, 1e-3, 0, `${particle} T(R(T))`);
      const r = checkGrad((p) => tf.sum(rangeToKineticEnergy(particle, (p as Record<string, Tensor>).r)), { r: R }, { eps: 1e-3, rtol: 1e-2 });
      assert.ok(r.ok, formatGradCheck(r));
    }
    assert.throws(() => tf.tidy(() => rangeToKineticEnergy('proton', tf.tensor1d([-1]))), /rangeCm\[0\]/);
  });
});
