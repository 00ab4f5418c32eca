/**
 * Learned reconstruction: training steps/s and inference events/s of the
 * Deep Sets energy regressor (64 cells × 5 features, φ 32-32, ρ 32), the
 * Gaussian-Ansatz critic on the same encoder (16 product-of-marginals pairs
 * per event) and the CNN (7 × 7 × 6 images, two 3×3 convolutions of 16
 * channels, dense 32) — batch 128 showers of the study calorimeter. Each
 * training step (minibatch gather, forward, backward, Adam update) is given
 * as a ratio to the forward pass of the same batch, measured in the same
 * run; a 256³ matMul is the machine reference.
 */
import { tf, prngKey, ParamSet, adam, type Tensor } from '../src/autodiff/index.js';
import { calorimeter } from '../src/sim/calo/index.js';
import {
  showerSample,
  sampleEnergies,
  setNetwork,
  imageNetwork,
  gaussianAnsatz,
  gaussianAnsatzLoss,
  squaredErrorLoss,
  trainOnBatches,
  predict,
  predictAnsatz,
  CELL_FEATURES,
  STUDY_CALORIMETER,
  type Network,
} from '../src/reco/learned/index.js';
import { timeMs, type BenchRow } from './types.js';

export const title = 'learned reconstruction (Deep Sets, Gaussian Ansatz, CNN; batch 128 showers)';

export async function run(): Promise<BenchRow[]> {
  const B = 128;
  const N = 1024;
  const calo = calorimeter(STUDY_CALORIMETER);
  const s = showerSample(calo, 'electron', sampleEnergies({ minGeV: 1, maxGeV: 20, index: 1 }, N, prngKey(1)), prngKey(2), { sets: { sections: 6, maxCells: 64 }, images: { sections: 6 } });
  const target = { data: Float32Array.from(s.energyGeV, (e) => e / 7), shape: [N] };
  const z = { data: Float32Array.from(s.energyGeV, (e) => (e - 10.5) / 9.5), shape: [N] };
  const a = tf.randomNormal([256, 256], 0, 1, 'float32', 1);
  const refMs = timeMs(() => tf.tidy(() => void tf.matMul(a, a).dataSync()), 10, 2);
  a.dispose();
  const rows: BenchRow[] = [{ name: 'reference: 256³ matMul', value: refMs.toFixed(2), unit: 'ms' }];

  const setNet = setNetwork({ inDim: CELL_FEATURES, phi: [32, 32], rho: [32], outDim: 1 });
  const cnn = imageNetwork({ size: 7, channels: 6, conv: [16, 16], dense: [32], outDim: 1 });
  const ga = gaussianAnsatz(setNetwork({ inDim: CELL_FEATURES, phi: [32, 32], rho: [32], outDim: 3 }));
  const sets = { features: s.inputs.features, mask: s.inputs.mask };
  const images = { images: s.inputs.images };
  const cases: { name: string; init: ParamSet; inputs: typeof sets | typeof images; forward: (p: ParamSet, x: Record<string, Tensor>) => void; loss: (p: Parameters<Network['apply']>[0], b: Record<string, Tensor>) => Tensor; infer: (p: ParamSet) => void }[] = [
    {
      name: 'Deep Sets regressor',
      init: new ParamSet(setNet.init(prngKey(3))),
      inputs: sets,
      forward: (p, x) => void setNet.apply(p.constantTree(), x).dataSync(),
      loss: (p, b) => squaredErrorLoss(setNet.apply(p, b), b.target),
      infer: (p) => void predict(setNet, p, sets, 256),
    },
    {
      name: 'Gaussian-Ansatz critic (Deep Sets encoder)',
      init: new ParamSet(ga.init(prngKey(4))),
      inputs: sets,
      forward: (p, x) => void ga.estimate(p.constantTree(), x).z.dataSync(),
      loss: (p, b) => gaussianAnsatzLoss(ga, p, b, b.z, { marginalPairs: 16 }),
      infer: (p) => void predictAnsatz(ga, p, sets, 256),
    },
    {
      name: 'CNN regressor',
      init: new ParamSet(cnn.init(prngKey(5))),
      inputs: images,
      forward: (p, x) => void cnn.apply(p.constantTree(), x).dataSync(),
      loss: (p, b) => squaredErrorLoss(cnn.apply(p, b), b.target),
      infer: (p) => void predict(cnn, p, images, 256),
    },
  ];
  for (const c of cases) {
    const batch = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, { data: v.data.subarray(0, (v.data.length / N) * B), shape: [B, ...v.shape.slice(1)] }]));
    const fwdMs = timeMs(() => tf.tidy(() => c.forward(c.init, Object.fromEntries(Object.entries(batch).map(([k, v]) => [k, tf.tensor(v.data, v.shape)])))), 7, 2);
    const steps = 20;
    const trainMs =
      timeMs(() => void trainOnBatches({ params: c.init, data: { ...c.inputs, target, z }, batchSize: B, steps, key: prngKey(6), optimizer: adam({ learningRate: 1e-3 }), loss: c.loss }), 3, 1) / steps;
    const inferMs = timeMs(() => c.infer(c.init), 3, 1);
    rows.push(
      { name: `${c.name}: training`, value: (1000 / trainMs).toFixed(1), unit: 'steps/s', note: `${trainMs.toFixed(1)} ms per step of ${B}; ${(trainMs / fwdMs).toFixed(1)}× its forward pass (${fwdMs.toFixed(1)} ms)` },
      { name: `${c.name}: inference`, value: Math.round((N / inferMs) * 1000), unit: 'events/s', note: `${inferMs.toFixed(0)} ms per ${N} (chunks of 256); ${(fwdMs / refMs).toFixed(1)}× reference per forward batch` },
    );
  }
  return rows;
}
