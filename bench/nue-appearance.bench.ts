/**
 * nue-appearance chain throughput: 16 ν_e CC + 16 ν_μ CC events (module-0
 * pixel LArTPC, 0.5 µs ticks, tracks ≤ 150 cm) through the relaxed
 * simulation, the reconstruction and the electron-like spectrum to
 * σ(sin²2θ): forward, and forward + backward (gradients in the detector
 * lifetime, threshold, pitch, reconstruction lifetime, sin²2θ and Δm²;
 * batches of 16 events, the gradient by the chain rule through the summed
 * spectra, so it costs one extra forward pass);
 * the host planning (windows, trigger schedules) once per detector point,
 * separately. Reference in the same run: a 256 × 256 × 256 matMul.
 */
import { tf, prngKey } from '../src/autodiff/index.js';
import { asLArTPCTensors } from '../src/sim/lartpc/index.js';
import { recoParams, type RecoTensors } from '../src/reco/lartpc/index.js';
import { detectorConfig, detectorParams, recoConfig, generateSample } from '../experiments/nue-appearance/detector.js';
import { planEvents, DEFAULT_SCORE } from '../experiments/nue-appearance/chain.js';
import { holdPlan, sensitivityAt, sensitivityValueAndGrad, type ObjectiveParams } from '../experiments/nue-appearance/objective.js';
import { nueConfig } from '../experiments/nue-appearance/index.js';
import { timeMs, type BenchRow } from './types.js';

export const title = 'nue-appearance chain (generator → LArTPC simulation → reconstruction → spectrum → σ(sin²2θ))';

export async function run(): Promise<BenchRow[]> {
  const n = 16;
  const c = detectorConfig(0.5);
  const rc = recoConfig(c);
  const nue = generateSample(prngKey(1).fold('e'), n, 'nue-appearance', 150);
  const numu = generateSample(prngKey(1).fold('m'), n, 'numu-disappearance', 150);
  const events = [...nue.events, ...numu.events];
  const ps = detectorParams(600);
  const sim = asLArTPCTensors(ps.constantTree());
  const reco = recoParams({ lifetimeUs: 600 }).constantTree() as unknown as RecoTensors;
  const planMs = timeMs(() => void planEvents(events, ps, c, prngKey(2)), 2, 1);
  const planned = planEvents(events, ps, c, prngKey(2));
  const x: ObjectiveParams = { 'detector.lifetime': 600, 'electronics.threshold': 7000, 'geometry.pitch': 0.4434, 'reco.lifetime': 600, sin22theta: 0.1, dm2eV2: 2.5e-3 };
  const ctx = holdPlan({ planned, trueGeV: Float32Array.from([...nue.energyGeV, ...numu.energyGeV]), isNue: Uint8Array.from(events.map((_, i) => (i < n ? 1 : 0))), sim, reco, c, rc, score: DEFAULT_SCORE, spectrum: nueConfig(true).spectrum }, x);
  const fwdMs = timeMs(() => void sensitivityAt(ctx, x), 3, 1);
  const gradMs = timeMs(() => void sensitivityValueAndGrad(ctx, x), 3, 1);
  const a = tf.randomNormal([256, 256], 0, 1, 'float32', 1);
  const refMs = timeMs(() => tf.tidy(() => void tf.matMul(a, a).dataSync()), 10, 2);
  a.dispose();
  const N = 2 * n;
  const segs = events.reduce((s, e) => s + e.dE.length, 0);
  const hits = planned.reduce((s, e) => s + e.schedule.row.length, 0);
  return [
    { name: 'reference: 256³ matMul', value: refMs.toFixed(2), unit: 'ms' },
    { name: 'workload', value: `${N} events, ${segs} segments, ${hits} hits (incl. candidates)`, unit: '' },
    { name: 'planning (windows, trigger schedules, host)', value: ((N / planMs) * 1000).toFixed(1), unit: 'events/s', note: `${planMs.toFixed(0)} ms per ${N}` },
    { name: 'chain forward to σ(sin²2θ)', value: ((N / fwdMs) * 1000).toFixed(1), unit: 'events/s', note: `${fwdMs.toFixed(0)} ms per ${N}; ${(fwdMs / refMs).toFixed(0)}× reference` },
    { name: 'chain forward + backward (6 gradients)', value: ((N / gradMs) * 1000).toFixed(1), unit: 'events/s', note: `${gradMs.toFixed(0)} ms per ${N}; ${(gradMs / refMs).toFixed(0)}× reference; ${(gradMs / fwdMs).toFixed(1)}× forward` },
  ];
}
