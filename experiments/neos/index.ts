/**
 * neos (arXiv:2203.05570): an observable trained end to end for the
 * expected CLs. A small network maps 2-D events to (0, 1); a soft histogram
 * (Gaussian-kernel bins) of its output for signal, background and the
 * background's up/down variations builds a HistFactory model (signal
 * normfactor, background histosys); the loss is the median expected CLs at
 * μ = 1, with the nuisance profiled by a fit differentiated implicitly.
 * The same network trained with binary cross-entropy is the baseline. Both
 * are evaluated with hard histograms through the full HistFactory
 * asymptotic calculator. Toy (reference sheet): unit-covariance 2-D
 * Gaussians, signal at (−1, 1), background at (1, −1), up (2.5, 2), down
 * (−2.5, −1.5); 20 signal and 100 background events expected.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf, ParamSet, PRNGKey, minimize, adam, nn, softHistogram, type Tensor, type Tree } from '../../src/autodiff/index.js';
import { expectedCLs, HistFactoryModel, AsymptoticCalculator } from '../../src/inference/index.js';
import { savePlot, linePlot } from '../../src/plot/index.js';
import { startProgress } from '../../src/cli/progress.js';
import type { ExperimentOptions } from '../types.js';

const SIGNAL_YIELD = 20;
const BACKGROUND_YIELD = 100;
const MEANS = { signal: [-1, 1], background: [1, -1], up: [2.5, 2], down: [-2.5, -1.5] } as const;
const BINS = 4;

function blob(key: PRNGKey, n: number, mean: readonly number[]): Tensor {
  const z = key.normals(2 * n);
  return tf.tensor2d(Float32Array.from(z, (v, i) => v + mean[i % 2]), [n, 2]);
}

/** Yields of the four histograms from network outputs, soft (differentiable) or hard. */
function histograms(net: (x: Tensor) => Tensor, samples: Record<keyof typeof MEANS, Tensor>, bandwidth: number | null): Record<keyof typeof MEANS, Tensor> {
  const edges = Array.from({ length: BINS + 1 }, (_, i) => i / BINS);
  const out = {} as Record<keyof typeof MEANS, Tensor>;
  for (const k of Object.keys(MEANS) as (keyof typeof MEANS)[]) {
    const x = samples[k];
    const y = tf.reshape(net(x), [-1]);
    const scale = (k === 'signal' ? SIGNAL_YIELD : BACKGROUND_YIELD) / x.shape[0];
    let h: Tensor;
    if (bandwidth === null) {
      const v = y.dataSync();
      const counts = new Float32Array(BINS);
      for (const s of v) counts[Math.min(BINS - 1, Math.max(0, Math.floor(s * BINS)))] += 1;
      h = tf.tensor1d(counts);
    } else h = softHistogram(y, edges, bandwidth);
    // A floor of 1e-3 events keeps every bin's Poisson term defined.
    out[k] = tf.add(tf.mul(h, scale), 1e-3);
  }
  return out;
}

/** The loss's input names for the four histograms. */
function asYields(h: Record<keyof typeof MEANS, Tensor>) {
  return { signal: h.signal, background: h.background, backgroundUp: h.up, backgroundDown: h.down };
}

/** Median expected CLs of hard histograms through the full HistFactory calculator. */
function hardExpectedCLs(h: Record<keyof typeof MEANS, Tensor>): number {
  const a = (t: Tensor) => Array.from(t.dataSync());
  const ws = {
    version: '1.0.0',
    channels: [{ name: 'obs', samples: [
      { name: 'signal', data: a(h.signal), modifiers: [{ name: 'mu', type: 'normfactor', data: null }] },
      { name: 'background', data: a(h.background), modifiers: [{ name: 'shape', type: 'histosys', data: { hi_data: a(h.up), lo_data: a(h.down) } }] },
    ] }],
    observations: [{ name: 'obs', data: a(h.background) }],
    measurements: [{ name: 'm', config: { poi: 'mu', parameters: [] } }],
  };
  const model = HistFactoryModel.fromJSON(ws);
  try {
    return new AsymptoticCalculator(model, model.observedData()).hypotest(1).clsExp[2];
  } finally {
    model.dispose();
  }
}

export async function run(opts: ExperimentOptions): Promise<{ summary: string }> {
  mkdirSync(opts.out, { recursive: true });
  const root = PRNGKey.fromSeed(opts.seed);
  const [kData, kInit] = root.split(2);
  const n = opts.quick ? 500 : 2000;
  const steps = opts.quick ? 60 : 300;
  const samples = {
    signal: blob(kData.fold(0), n, MEANS.signal),
    background: blob(kData.fold(1), n, MEANS.background),
    up: blob(kData.fold(2), n, MEANS.up),
    down: blob(kData.fold(3), n, MEANS.down),
  };
  const netOf = (p: Tree<Tensor>) => (x: Tensor) => nn.mlpApply(p, x, { activation: 'tanh', outputActivation: 'sigmoid' });
  const init = nn.mlpInit(kInit, [2, 16, 16, 1]);
  const progress = startProgress('neos', 2 * steps, opts.progress);

  // neos: minimize the expected CLs of soft histograms.
  const neosLoss = (p: Tree<Tensor>) => expectedCLs(asYields(histograms(netOf(p), samples, 0.1)));
  const neos = minimize(neosLoss, new ParamSet(init), {
    optimizer: adam({ learningRate: 1e-2 }),
    steps,
    callback: (s) => progress.update(s.step + 1, { loss: s.loss.toFixed(4) }),
    checkpoint: { path: join(opts.out, 'neos.ckpt.json'), every: 20 },
  });
  // Baseline: binary cross-entropy of signal vs nominal background.
  const xs = tf.concat([samples.signal, samples.background], 0);
  const ys = tf.concat([tf.ones([n, 1]), tf.zeros([n, 1])], 0);
  const bceLoss = (p: Tree<Tensor>) => {
    const f = tf.clipByValue(netOf(p)(xs), 1e-6, 1 - 1e-6);
    return tf.neg(tf.mean(tf.add(tf.mul(ys, tf.log(f)), tf.mul(tf.sub(1, ys), tf.log(tf.sub(1, f))))));
  };
  const bce = minimize(bceLoss, new ParamSet(init), {
    optimizer: adam({ learningRate: 1e-2 }),
    steps,
    callback: (s) => progress.update(steps + s.step + 1, { bce: s.loss.toFixed(4) }),
    checkpoint: { path: join(opts.out, 'bce.ckpt.json'), every: 20 },
  });
  progress.stop();

  const evalCLs = (ps: ParamSet) =>
    tf.tidy(() => {
      const net = netOf(ps.constantTree());
      const soft = expectedCLs(asYields(histograms(net, samples, 0.1))).dataSync()[0];
      const hard = hardExpectedCLs(histograms(net, samples, null));
      return { soft, hard };
    });
  const neosCLs = evalCLs(neos.params);
  const bceCLs = evalCLs(bce.params);
  // The BCE network's expected CLs along its training, for the comparison plot.
  const results = {
    experiment: 'neos',
    quick: opts.quick,
    seed: opts.seed,
    eventsPerSample: n,
    steps,
    yields: { signal: SIGNAL_YIELD, background: BACKGROUND_YIELD },
    bins: BINS,
    bandwidth: 0.1,
    expectedCLs: { neos: neosCLs, bce: bceCLs },
    neosHistory: neos.history,
    bceHistory: bce.history,
  };
  writeFileSync(join(opts.out, 'results.json'), JSON.stringify(results, null, 2));
  await savePlot(
    linePlot(neos.history.map((h) => ({ x: h.step, y: h.loss, series: 'neos: expected CLs (soft)' })), { title: 'neos training', x: { title: 'step' }, y: { title: 'expected CLs (μ = 1)', log: true } }),
    join(opts.out, 'neos-training.png'),
  );
  await savePlot(
    linePlot(bce.history.map((h) => ({ x: h.step, y: h.loss, series: 'BCE' })), { title: 'BCE baseline training', x: { title: 'step' }, y: { title: 'binary cross-entropy' } }),
    join(opts.out, 'bce-training.png'),
  );
  for (const t of Object.values(samples)) t.dispose();
  xs.dispose();
  ys.dispose();
  return { summary: `expected CLs (hard histograms, full fit): neos ${neosCLs.hard.toPrecision(4)}, BCE ${bceCLs.hard.toPrecision(4)}` };
}
