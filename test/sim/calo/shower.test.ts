import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { tf, prngKey, special, type Tensor } from '../../../src/autodiff/index.js';
import { assertGradClose, propertyParams, arbFloat32, arbLogUniform } from '../../../src/autodiff/testing/index.js';
import { calorimeter, simulateShowers, showerTensors, drawShowerRandoms, caloTensors, effectiveMedium, longitudinalMoments, type CaloSpec } from '../../../src/sim/calo/index.js';

const SMALL: CaloSpec = { absorber: 'Pb', active: 'Scintillator', nLayers: 8, absorberCm: 0.4, activeCm: 0.3, cellSizeCm: 2.5, cellsPerSide: 3 };

function total(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

describe('calo: showers', () => {
  it('conserves energy: deposited + longitudinal + lateral leakage = E (property)', () => {
    fc.assert(
      fc.property(
        arbFloat32(0.1, 1.2),
        arbFloat32(0.1, 1),
        arbFloat32(0.5, 6),
        arbLogUniform(1, 200),
        fc.boolean(),
        arbFloat32(-0.5, 0.5),
        fc.integer({ min: 0, max: 1000 }),
        (abs, act, cell, e, photon, theta, seed) => {
          const calo = calorimeter({ absorber: 'W', active: 'Si', nLayers: 10, absorberCm: abs, activeCm: act, cellSizeCm: cell, cellsPerSide: 5 });
          const ev = simulateShowers(calo, { particle: photon ? 'photon' : 'electron', energyGeV: e, count: 3, thetaRad: theta }, prngKey(seed));
          const L = ev.nLayers * ev.cellsPerSide * ev.cellsPerSide;
          for (let b = 0; b < 3; b++) {
            const dep = total(ev.deposited.subarray(b * L, (b + 1) * L));
            const sum = dep + ev.leakLongitudinalGeV[b] + ev.leakLateralGeV[b];
            assert.ok(Math.abs(sum - e) < 2e-4 * e, `shower ${b}: ${dep} + ${ev.leakLongitudinalGeV[b]} + ${ev.leakLateralGeV[b]} = ${sum} ≠ ${e}`);
            assert.ok(dep >= 0 && ev.leakLongitudinalGeV[b] >= -1e-6 * e && ev.leakLateralGeV[b] >= -1e-6 * e);
          }
        },
      ),
      propertyParams(12, 7),
    );
  });

  it('more absorber depth contains more: extra layers and thicker plates (property, same key)', () => {
    fc.assert(
      fc.property(arbFloat32(0.2, 0.8), arbLogUniform(2, 100), fc.integer({ min: 1, max: 999 }), (abs, e, seed) => {
        const contained = (n: number, a: number) => {
          const ev = simulateShowers(calorimeter({ absorber: 'Pb', active: 'LAr', nLayers: n, absorberCm: a, activeCm: 0.4, cellSizeCm: 4, cellsPerSide: 3 }), { particle: 'electron', energyGeV: e, count: 4 }, prngKey(seed), { fluctuations: false });
          return 1 - total(ev.leakLongitudinalGeV) / (4 * e);
        };
        const base = contained(10, abs);
        assert.ok(contained(14, abs) > base, 'more layers');
        assert.ok(contained(10, abs * 1.3) > base, 'thicker absorber');
      }),
      propertyParams(8, 9),
    );
  });

  it('gradients of visible energy match finite differences in thicknesses, cell size, energy and angle (property, common random numbers)', () => {
    const calo = calorimeter(SMALL);
    const d = calo.design;
    const B = 3;
    fc.assert(
      fc.property(arbFloat32(0.6, 1.6), arbFloat32(0.6, 1.6), arbFloat32(1.5, 5), arbLogUniform(2, 60), arbFloat32(-0.3, 0.3), fc.integer({ min: 0, max: 999 }), (sa, sg, cell, e, theta, seed) => {
        const randoms = drawShowerRandoms(prngKey(seed), B, d);
        const weights = tf.tensor1d(Array.from({ length: d.nLayers }, (_, i) => 1 + 0.1 * i));
        const f = (p: Record<string, Tensor>) => {
          const r = showerTensors(d, { absorberCm: p.absorber, activeCm: p.active, cellSizeCm: p.cell }, { particle: 'electron', energyGeV: p.energy, thetaRad: p.theta }, randoms);
          return tf.add(tf.sum(tf.mul(r.visibleLayers, weights.reshape([1, -1]))), tf.mul(0.01, tf.sum(r.leakLateralGeV)));
        };
        try {
          assertGradClose((p) => f(p as Record<string, Tensor>), {
            absorber: tf.tensor1d([0.4, 0.35, 0.45, 0.4, 0.5, 0.4, 0.3, 0.4].map((x) => x * sa)),
            active: tf.tensor1d([0.3, 0.25, 0.3, 0.35, 0.3, 0.3, 0.3, 0.2].map((x) => x * sg)),
            cell,
            energy: tf.tensor1d([e, 0.5 * e, 2 * e]),
            theta: tf.tensor1d([theta, -0.5 * theta, 0.05]),
          }, { eps: 2e-3, rtol: 3e-2, atol: 1e-4, maxElements: 24 });
        } finally {
          weights.dispose();
        }
      }),
      propertyParams(4, 13),
    );
  });

  it('homogeneous PbWO4: gradient in layer thicknesses and energy; fractions match the Gamma integral at the mean shape', () => {
    const calo = calorimeter({ kind: 'homogeneous', absorber: 'PbWO4', nLayers: 10, absorberCm: 2, cellSizeCm: 200, cellsPerSide: 3 });
    const d = calo.design;
    const randoms = drawShowerRandoms(prngKey(2), 1, d);
    randoms.z1[0] = 0;
    randoms.z2[0] = 0;
    const E = 20;
    const frac = tf.tidy(() => {
      const geo = caloTensors(calo);
      const r = showerTensors(d, geo, { particle: 'electron', energyGeV: tf.tensor1d([E]) }, randoms, { fluctuations: false });
      return tf.div(tf.sum(r.deposited, [2, 3]), E).dataSync();
    });
    const [lnT, lnA] = tf.tidy(() => {
      const m = longitudinalMoments(tf.tensor1d([E]), { zEff: tf.scalar(68.4), criticalMeV: tf.scalar(9.64), samplingFrequency: tf.scalar(Infinity), eHat: 1, sampling: false });
      return [m.meanLnT.dataSync()[0], m.meanLnAlpha.dataSync()[0]];
    });
    // Independent float64 evaluation at the mean shape (no fluctuation): ln y = ln(20000/9.64).
    const lnY = Math.log(20000 / 9.64);
    assert.ok(Math.abs(lnT - Math.log(lnY - 0.812)) < 1e-5);
    assert.ok(Math.abs(lnA - Math.log(0.81 + (0.458 + 2.26 / 68.4) * lnY)) < 1e-5);
    const alpha = Math.exp(lnA);
    const beta = (alpha - 1) / Math.exp(lnT);
    const t = (i: number) => (i * 2) / 0.8903;
    for (let i = 0; i < 10; i++) {
      const want = special.gammaP(alpha, beta * t(i + 1)) - special.gammaP(alpha, beta * t(i));
      // a 6 m wide grid contains the lateral profile to < 1e-3
      assert.ok(Math.abs(frac[i] - want) < 2e-3 * want + 2e-5, `layer ${i}: ${frac[i]} vs ${want}`);
    }
    assertGradClose(
      (p) => {
        const q = p as Record<string, Tensor>;
        const r = showerTensors(d, { absorberCm: q.layers, activeCm: tf.zeros([10]), cellSizeCm: tf.scalar(2.2) }, { particle: 'photon', energyGeV: q.energy }, drawShowerRandoms(prngKey(3), 2, d));
        return tf.sum(tf.mul(r.visibleLayers, tf.linspace(1, 2, 10).reshape([1, 10])));
      },
      { layers: tf.fill([10], 2.1), energy: tf.tensor1d([5, 50]) },
      { eps: 2e-3, rtol: 3e-2, atol: 1e-4, maxElements: 12 },
    );
  });

  it('effective medium of a pure stack equals the material; Pb/LAr mix gives the GFlash rules', () => {
    const [rm, x0, ec] = tf.tidy(() => {
      const calo = calorimeter({ absorber: 'Pb', active: 'LAr', nLayers: 2, absorberCm: 0.2, activeCm: 0.4, cellSizeCm: 2 });
      const m = effectiveMedium(calo.design, caloTensors(calo));
      return [m.moliereCm.dataSync()[0], m.x0Cm.dataSync()[0], m.criticalMeV.dataSync()[0]];
    });
    const vA = 1 / 3;
    const vP = 2 / 3;
    const wantX0 = 1 / (vA / 0.5612 + vP / 14);
    const s = (vA * 7.43) / 0.5612 + (vP * 32.84) / 14;
    assert.ok(Math.abs(x0 - wantX0) < 1e-4 * wantX0);
    assert.ok(Math.abs(rm - 21.2 / s) < 1e-4 * rm);
    assert.ok(Math.abs(ec - wantX0 * s) < 1e-4 * ec);
  });

  it('rejects bad input naming the field', () => {
    assert.throws(() => calorimeter({ ...SMALL, absorberCm: [0.4, -0.1, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4] }), /absorberCm\[1\].*-0\.1/);
    assert.throws(() => calorimeter({ ...SMALL, absorber: 'Unobtainium' }), /unknown material 'Unobtainium'/);
    assert.throws(() => calorimeter({ ...SMALL, active: 'Pb' }), /'active' = "Pb"/);
    assert.throws(() => calorimeter({ ...SMALL, cellSizeCm: 0 }), /cellSizeCm/);
    assert.throws(() => simulateShowers(calorimeter(SMALL), { particle: 'electron', energyGeV: [5, 0] }, prngKey(1)), /energyGeV\[1\]/);
    assert.throws(() => simulateShowers(calorimeter(SMALL), { particle: 'electron', energyGeV: -3 }, prngKey(1)), /energy must be > 0/);
  });

  it('keeps the tensor count flat over repeated simulations and gradient evaluations', () => {
    const calo = calorimeter(SMALL);
    const run = () => simulateShowers(calo, { particle: 'photon', energyGeV: 10, count: 4 }, prngKey(1));
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) run();
    assert.equal(tf.memory().numTensors, before);
  });
});
