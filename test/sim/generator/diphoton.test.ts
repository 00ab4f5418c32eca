import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { tf, prngKey, type Tensor } from '../../../src/autodiff/index.js';
import { assertGradClose, propertyParams, arbFloat32 } from '../../../src/autodiff/testing/index.js';
import { diphotonEvents, diphotonTheory, type DiphotonOptions } from '../../../src/sim/generator/index.js';

const OPTS: DiphotonOptions = { windowGeV: [100, 160], nSignal: 400, nBackground: 1200, signalYield: 300, backgroundYield: 20000 };

describe('generator: diphoton resonance on a continuum', () => {
  it('gradients of weighted observables match finite differences in mass, width, μ, slope and curvature (same key)', () => {
    fc.assert(
      fc.property(arbFloat32(115, 140), arbFloat32(1, 8), arbFloat32(0.5, 2), arbFloat32(0.5, 4), arbFloat32(-1, 1), (mass, width, mu, slope, curvature) => {
        const key = prngKey(3);
        // A smooth observable: weighted sums of a soft window around 125 GeV and of the photon energies.
        const f = (p: Record<string, Tensor>) => {
          const ev = diphotonEvents({ mass: p.mass, width: p.width, mu: p.mu, slope: p.slope, curvature: p.curvature }, key, OPTS);
          const soft = tf.sigmoid(tf.mul(tf.sub(5, tf.abs(tf.sub(ev.mass, 125))), 0.8));
          return tf.add(tf.sum(tf.mul(ev.weight, soft)), tf.mul(1e-3, tf.sum(tf.mul(ev.weight, tf.add(ev.e1, ev.e2)))));
        };
        assertGradClose((p) => f(p as Record<string, Tensor>), { mass, width, mu, slope, curvature }, { eps: 1e-3, rtol: 3e-2, atol: 1e-2 });
      }),
      propertyParams(6, 11),
    );
  });

  it('weights sum to the expected yields; masses stay in the window; signal peaks at the mass', () => {
    const { m, w, sig } = tf.tidy(() => {
      const ev = diphotonEvents(diphotonTheory({ mass: 125, width: 2, mu: 1.5, slope: 2, curvature: 0.5 }), prngKey(1), { ...OPTS, nBackground: 20000 });
      return { m: ev.mass.dataSync(), w: ev.weight.dataSync(), sig: ev.isSignal };
    });
    let ws = 0;
    let wb = 0;
    const sm: number[] = [];
    for (let i = 0; i < m.length; i++) {
      assert.ok(m[i] >= 100 && m[i] <= 160);
      if (sig[i]) {
        ws += w[i];
        sm.push(m[i]);
      } else wb += w[i];
    }
    assert.ok(Math.abs(ws - 450) < 1e-3 * 450);
    assert.ok(Math.abs(wb - 20000) < 0.02 * 20000, `continuum weight sum ${wb}`);
    sm.sort((a, b) => a - b);
    assert.ok(Math.abs(sm[sm.length >> 1] - 125) < 0.4, `median ${sm[sm.length >> 1]}`);
  });

  it('the reweighted continuum has the analytic mean of exp(−ξ₁t − ξ₂t²)', () => {
    const [xi1, xi2] = [1.5, -0.8];
    const { m, w } = tf.tidy(() => {
      const ev = diphotonEvents(diphotonTheory({ mass: 125, width: 2, mu: 0, slope: xi1, curvature: xi2 }), prngKey(2), { ...OPTS, nSignal: 0, nBackground: 40000 });
      return { m: ev.mass.dataSync(), w: ev.weight.dataSync() };
    });
    let sw = 0;
    let st = 0;
    for (let i = 0; i < m.length; i++) {
      sw += w[i];
      st += w[i] * ((m[i] - 100) / 60);
    }
    let z = 0;
    let zt = 0;
    for (let i = 0; i < 20000; i++) {
      const t = (i + 0.5) / 20000;
      const f = Math.exp(-xi1 * t - xi2 * t * t);
      z += f;
      zt += f * t;
    }
    assert.ok(Math.abs(st / sw - zt / z) < 5e-3, `${st / sw} vs ${zt / z}`);
  });

  it('rejects mass ≤ 0, width ≤ 0, μ < 0 and a bad window with named errors', () => {
    const gen = (p: Partial<{ mass: number; width: number; mu: number; slope: number }>, o: Partial<DiphotonOptions> = {}) => () =>
      tf.tidy(() => {
        diphotonEvents(diphotonTheory({ mass: 125, width: 2, mu: 1, slope: 2, curvature: 0, ...p }), prngKey(1), { ...OPTS, ...o });
      });
    assert.throws(gen({ mass: -5 }), /'mass' = -5/);
    assert.throws(gen({ width: 0 }), /'width' = 0/);
    assert.throws(gen({ mu: -1 }), /'mu' = -1/);
    assert.throws(gen({ slope: -1 }), /'slope'/);
    assert.throws(gen({}, { windowGeV: [160, 100] }), /windowGeV/);
  });
});
