import { strict as assert } from 'node:assert';
import { tf, prngKey } from '../../../src/autodiff/index.js';
import { lartpcParams, module0Config, LARPIX, driftVelocityHost } from '../../../src/sim/lartpc/index.js';
import { fisherScan, batchInformation, sampleTracks, sigmaFromHessian, hitNoiseE, mipPixelInformation, probabilityAllWithin, tracksForTolerance, crossingMuons } from '../../../experiments/lartpc-calibration/fisher.js';
import { makePseudoData, calibrate, drawTarget } from '../../../experiments/lartpc-calibration/fit.js';

const names = ['A_b', 'k_b', 'E', 'lifetime', 'D_L', 'D_T'];

describe('lartpc-calibration Fisher study', () => {
  const c = module0Config();
  const nominal = lartpcParams();

  it('doubling the sample (two independent readouts of 16 tracks) divides the Fisher sigma by sqrt(2): geometric mean within 10 %, each parameter within 25 %', () => {
    const before = tf.memory().numTensors;
    const pts = fisherScan(nominal, c, { sample: 'mixed', key: prngKey(11), ns: [16, 32], batch: 16, noiseE: LARPIX.uncorrelatedNoiseE, names });
    assert.equal(tf.memory().numTensors, before, 'no tensors leak');
    assert.deepEqual(pts.map((p) => p.N), [16, 32]);
    const ratios = names.map((n) => pts[1].sigma_percent[n] / pts[0].sigma_percent[n]);
    const geo = Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length);
    assert.ok(Math.abs(geo * Math.SQRT2 - 1) < 0.1, `geometric mean ratio ${geo}`);
    ratios.forEach((r, i) => assert.ok(Math.abs(r * Math.SQRT2 - 1) < 0.25, `${names[i]}: ratio ${r}`));
    assert.ok(pts[1].cpu_seconds_per_track > 0 && pts[1].segments_per_track > 1);
  });

  it('the Fisher sigma at the truth agrees with the Hessian sigma of a noisy fit at its optimum within 20 % (lifetime compared as sigma of 1/tau)', () => {
    const seed = 3;
    const target = drawTarget(nominal, prngKey(seed).fold('target'));
    const seg = sampleTracks('mixed', prngKey(seed).fold('tracks'), 16);
    const data = makePseudoData(seg, target, c, LARPIX.uncorrelatedNoiseE, prngKey(seed).fold('noise'));
    const ps = target.clone();
    const res = calibrate(seg, ps, c, data, { maxIter1: 0, maxIter2: 40 });
    const fisher = sigmaFromHessian(target, batchInformation(seg, target, c, LARPIX.uncorrelatedNoiseE).matrix).sigma;
    const tv = target.trainableVector();
    const k = nominal.trainableNames().indexOf('drift.lifetime');
    names.forEach((n, i) => {
      // the information on 1/tau (charge slope in drift time) does not depend on tau; sigma_tau grows as tau^2
      const fit = i === k ? res.uncertainties[i] / res.fitted[i] ** 2 : res.uncertainties[i];
      const fi = i === k ? fisher[i] / tv[i] ** 2 : fisher[i];
      assert.ok(Math.abs(fit / fi - 1) < 0.2, `${n}: fit sigma ${fit}, Fisher sigma ${fi}`);
    });
  });

  it('hit-level information of a MIP parallel to the anode equals (Q t/tau)^2 / sigma_hit^2 per pixel; sigma_hit from the LArPix reset, uncorrelated and ADC noise', () => {
    const lsb = (LARPIX.vRefMv - LARPIX.vCommonMv) / LARPIX.adcCounts / LARPIX.gainMvPerE;
    assert.ok(Math.abs(hitNoiseE() - Math.sqrt(900 ** 2 + 500 ** 2 + (lsb * lsb) / 12)) < 1e-9);
    const m = mipPixelInformation(nominal, c, 0, 15, LARPIX.uncorrelatedNoiseE);
    const t = 15 / driftVelocityHost(0.5, 87.17);
    const expected = ((m.charge_per_pixel_e * t) / 2200) ** 2 / hitNoiseE() ** 2;
    assert.ok(Math.abs(m.hit / expected - 1) < 0.05, `hit information ${m.hit} vs ${expected}`);
    assert.ok(m.pixels >= 8 && m.hits === m.pixels, `${m.pixels} pixels, ${m.hits} hits`);
    // white tick noise: the information falls as 1/sigma^2
    assert.ok(m.tick > 0 && Math.abs(m.equivalent_tick_noise_e - LARPIX.uncorrelatedNoiseE * Math.sqrt(m.tick / m.hit)) < 1e-6);
  });

  it('crossing muons span the drift (0.2-30.2 cm from the anode) in both TPCs and stay on the pixel plane', () => {
    const s = crossingMuons(prngKey(5), 6);
    const anode = 30.431;
    let minD = Infinity;
    let maxD = 0;
    for (let i = 0; i < s.x_start.length; i++) {
      for (const z of [s.z_start[i], s.z_end[i]]) {
        const d = anode - Math.abs(z);
        minD = Math.min(minD, d);
        maxD = Math.max(maxD, d);
      }
      for (const x of [s.x_start[i], s.x_end[i]]) assert.ok(x > -31.04 && x < 31.04, `x ${x}`);
      for (const y of [s.y_start[i], s.y_end[i]]) assert.ok(y > -83.86 && y < 40.22, `y ${y}`);
    }
    assert.ok(minD > 0.15 && minD < 0.3 && maxD > 30 && maxD < 30.3, `drift ${minD}-${maxD}`);
    assert.ok(s.z_start.some((z) => z > 0) && s.z_start.some((z) => z < 0));
  });

  it('closure criterion: probability that all errors are within tol, and the sample size that reaches a probability', () => {
    const z90 = 1.6448536; // P(|x| < z90 sigma) = 0.9
    assert.ok(Math.abs(probabilityAllWithin([1 / z90], 1) - 0.9) < 1e-6);
    assert.ok(Math.abs(probabilityAllWithin([1 / z90, 1 / z90], 1) - 0.81) < 1e-6);
    const n = tracksForTolerance([2 / z90], 100, 1, 0.9);
    assert.ok(Math.abs(n - 400) <= 1, `N = ${n}`);
    // ten equal sigmas: each must be within tol with probability 0.9^(1/10)
    const n10 = tracksForTolerance(Array(10).fill(1), 100, 1, 0.9);
    assert.ok(probabilityAllWithin(Array(10).fill(Math.sqrt(100 / n10)), 1) >= 0.9);
    assert.ok(probabilityAllWithin(Array(10).fill(Math.sqrt(100 / (n10 - 1))), 1) < 0.9);
  });
});
