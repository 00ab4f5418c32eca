import { strict as assert } from 'node:assert';
import { tf, prngKey, type Tensor } from '../../../src/autodiff/index.js';
import { assertGradClose } from '../../../src/autodiff/testing/index.js';
import { neutrinoEvents, oscillationWeight } from '../../../src/sim/generator/index.js';
import { segmentCount } from '../../../src/sim/lartpc/segments.js';

const theory = () => ({ sin22theta: tf.scalar(0.95), dm2eV2: tf.scalar(2.5e-3) });

describe('generator: neutrino beam with oscillations', () => {
  it('produces valid segments whose energy matches the final-state kinetic energies of contained events', () => {
    const ev = neutrinoEvents(theory(), prngKey(1), { nEvents: 20, channel: 'numu-disappearance', maxTrackCm: 1e5 });
    const n = segmentCount(ev.segments);
    assert.ok(n > 100);
    const perEvent = new Float64Array(20);
    for (let i = 0; i < n; i++) {
      assert.ok(ev.segments.dE[i] >= 0 && Number.isFinite(ev.segments.dEdx[i]));
      const len = Math.hypot(ev.segments.x_end[i] - ev.segments.x_start[i], ev.segments.y_end[i] - ev.segments.y_start[i], ev.segments.z_end[i] - ev.segments.z_start[i]);
      assert.ok(len <= 0.5 + 1e-3, `segment length ${len}`); // float32 end points far from the origin
      perEvent[ev.segments.event_id[i]] += ev.segments.dE[i];
    }
    for (let e = 0; e < 20; e++) {
      const want = ev.leptonKineticMeV[e] + ev.protonKineticMeV[e];
      assert.ok(Math.abs(perEvent[e] - want) < 0.05 + 2e-4 * want, `event ${e}: ${perEvent[e]} vs ${want}`);
    }
    ev.weight.dispose();
  });

  it('electron showers keep the electron energy; ν_e appearance weights are sin²2θ sin²(1.267 Δm² L/E)', () => {
    const ev = neutrinoEvents(theory(), prngKey(2), { nEvents: 5, channel: 'nue-appearance' });
    const w = ev.weight.dataSync();
    for (let e = 0; e < 5; e++) {
      const want = 0.95 * Math.sin((1.267 * 2.5e-3 * 1300) / ev.energyGeV[e]) ** 2;
      assert.ok(Math.abs(w[e] - want) < 1e-5);
      let de = 0;
      for (let i = 0; i < ev.segments.dE.length; i++) if (ev.segments.event_id[i] === e && ev.segments.traj_id[i] === 0) de += ev.segments.dE[i];
      assert.ok(Math.abs(de - ev.leptonKineticMeV[e]) < 1e-3 * ev.leptonKineticMeV[e] + 0.6);
    }
    ev.weight.dispose();
  });

  it('weight gradients in sin²2θ and Δm² match finite differences', () => {
    const energies = tf.tensor1d([0.8, 1.7, 2.6, 4.0]);
    for (const channel of ['numu-disappearance', 'nue-appearance'] as const) {
      assertGradClose(
        (p) => {
          const q = p as Record<string, Tensor>;
          return tf.sum(tf.mul(oscillationWeight({ sin22theta: q.s, dm2eV2: tf.mul(q.dm2, 1e-3) }, energies, 1300, channel), tf.tensor1d([1, 2, 3, 4])));
        },
        { s: 0.9, dm2: 2.4 },
        { rtol: 1e-2, atol: 1e-5 },
      );
    }
    energies.dispose();
  });

  it('rejects bad theory and beam parameters with named errors', () => {
    assert.throws(() => neutrinoEvents({ sin22theta: tf.scalar(1.2), dm2eV2: tf.scalar(2.5e-3) }, prngKey(1), { nEvents: 2, channel: 'numu-disappearance' }), /sin22theta/);
    assert.throws(() => neutrinoEvents({ sin22theta: tf.scalar(0.9), dm2eV2: tf.scalar(-1) }, prngKey(1), { nEvents: 2, channel: 'numu-disappearance' }), /dm2eV2/);
    assert.throws(() => neutrinoEvents(theory(), prngKey(1), { nEvents: 2, channel: 'numu-disappearance', fluxScaleGeV: 0 }), /fluxScaleGeV/);
  });
});
