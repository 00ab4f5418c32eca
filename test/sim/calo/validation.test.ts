import { strict as assert } from 'node:assert';
import { prngKey } from '../../../src/autodiff/index.js';
import { calorimeter, simulateShowers, MATERIALS, SAMPLING_COEFF } from '../../../src/sim/calo/index.js';

function relResolution(rec: number[]): number {
  const m = rec.reduce((a, b) => a + b, 0) / rec.length;
  return Math.sqrt(rec.reduce((a, b) => a + (b - m) ** 2, 0) / (rec.length - 1)) / m;
}

describe('calo: validation against expected resolution and containment', () => {
  it('Pb/LAr (1.5 + 4 mm, 24 X0): σ/E at 10 GeV within 20 % of 2.7 % √(d/f)/√E and in the 5–20 %/√E sampling range', () => {
    const calo = calorimeter({ absorber: 'Pb', active: 'LAr', nLayers: 80, absorberCm: 0.15, activeCm: 0.4, cellSizeCm: 5, cellsPerSide: 5, subSlices: 1, noiseMeVPerCm: 0 });
    const ev = simulateShowers(calo, { particle: 'electron', energyGeV: 10, count: 400 }, prngKey(4), { output: 'layers' });
    const rec: number[] = [];
    for (let b = 0; b < ev.batch; b++) {
      let s = 0;
      for (let l = 0; l < 80; l++) s += ev.visibleLayers[b * 80 + l] / (ev.eHat * ev.samplingFraction[l]);
      rec.push(s);
    }
    const f = ev.samplingFraction[0];
    const expected = (SAMPLING_COEFF * Math.sqrt(4 / f)) / Math.sqrt(10);
    const got = relResolution(rec);
    assert.ok(Math.abs(got / expected - 1) < 0.2, `σ/E ${got} vs ${expected}`);
    assert.ok(got * Math.sqrt(10) > 0.05 && got * Math.sqrt(10) < 0.2);
    // mip sampling fraction from the PDG stopping powers
    const want = (0.4 * MATERIALS.LAr.mipDedxMeVPerCm) / (0.4 * MATERIALS.LAr.mipDedxMeVPerCm + 0.15 * MATERIALS.Pb.mipDedxMeVPerCm);
    assert.ok(Math.abs(f - want) < 1e-5);
  });

  it('PbWO4: about 90 % of the energy within one Molière radius (PDG); stochastic term (photostatistics + containment) 1–4.5 %', () => {
    const rm = MATERIALS.PbWO4.moliereCm;
    const n = 21;
    const calo = calorimeter({ kind: 'homogeneous', absorber: 'PbWO4', nLayers: 13, absorberCm: 2 * MATERIALS.PbWO4.x0Cm, cellSizeCm: 0.2 * rm, cellsPerSide: n, subSlices: 2 });
    const ev = simulateShowers(calo, { particle: 'electron', energyGeV: 20, count: 10 }, prngKey(6), { fluctuations: false });
    let inside = 0;
    let all = 0;
    for (let b = 0; b < ev.batch; b++) {
      for (let l = 0; l < 13; l++) {
        for (let ix = 0; ix < n; ix++) {
          for (let iy = 0; iy < n; iy++) {
            const e = ev.deposited[((b * 13 + l) * n + ix) * n + iy];
            all += e;
            if (Math.hypot(ix - 10, iy - 10) * 0.2 <= 1) inside += e;
          }
        }
      }
      all += ev.leakLateralGeV[b];
    }
    assert.ok(inside / all > 0.85 && inside / all < 0.95, `fraction within R_M: ${inside / all}`);
    const crystal = calorimeter({ kind: 'homogeneous', absorber: 'PbWO4', nLayers: 10, absorberCm: 2.3, cellSizeCm: 2.2, cellsPerSide: 5, subSlices: 1, noiseMeVPerCm: 0 });
    const r = simulateShowers(crystal, { particle: 'electron', energyGeV: 20, count: 300 }, prngKey(8), { output: 'layers' });
    const rec: number[] = [];
    for (let b = 0; b < r.batch; b++) {
      let s = 0;
      for (let l = 0; l < 10; l++) s += r.visibleLayers[b * 10 + l];
      rec.push(s);
    }
    const a = relResolution(rec) * Math.sqrt(20);
    assert.ok(a > 0.01 && a < 0.045, `stochastic term ${a} (containment fluctuations included)`);
  });
});
