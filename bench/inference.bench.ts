/**
 * Inference benchmarks: an asymptotic hypotest (CLs at μ = 1 with q̃: four
 * fits) on synthetic workspaces of growing size in bins and modifiers, and
 * unbinned extended fits (Gaussian + exponential) of 1e5 and 1e6 events.
 * Reference measured in the same run: one gradient of the smallest
 * workspace's NLL.
 */
import { tf, type Tensor, PRNGKey } from '../src/autodiff/index.js';
import { HistFactoryModel, AsymptoticCalculator, gaussian, exponential, gaussianOnExponential, UnbinnedNLL, fitUnbinned } from '../src/inference/index.js';
import { timeMs, type BenchRow } from './types.js';

/** (bins, normsys, histosys) of the hypotest workspaces; DIFFHEP_BENCH_SIZES="4,1,1;20,2,2" overrides. */
const BENCH_SIZES: number[][] = (process.env.DIFFHEP_BENCH_SIZES ?? '4,1,1;10,2,2;20,2,2;40,3,3').split(';').map((t) => t.split(',').map(Number));

export const title = 'inference: hypotests and unbinned fits';

/** A workspace with `bins` bins, `normsys` normsys and `histosys` histosys modifiers on the background, one staterror. */
function syntheticWorkspace(bins: number, normsys: number, histosys: number): unknown {
  const key = PRNGKey.fromSeed(bins * 1000 + normsys * 10 + histosys);
  const u = key.uniforms(bins * (2 + 2 * histosys));
  const sig = Array.from({ length: bins }, (_, i) => 5 + 10 * Math.exp(-(((i - bins / 2) / (bins / 6 + 1)) ** 2)));
  const bkg = Array.from({ length: bins }, (_, i) => 50 + 100 * Math.exp(-i / bins) + 5 * u[i]);
  const mods: unknown[] = [{ name: 'staterror_c', type: 'staterror', data: bkg.map((b) => 0.05 * b) }];
  for (let k = 0; k < normsys; k++) mods.push({ name: `ns${k}`, type: 'normsys', data: { hi: 1.02 + 0.01 * k, lo: 0.97 - 0.01 * k } });
  for (let k = 0; k < histosys; k++) {
    mods.push({ name: `hs${k}`, type: 'histosys', data: { hi_data: bkg.map((b, i) => b * (1 + 0.03 * u[bins * (2 + k) + i])), lo_data: bkg.map((b, i) => b * (1 - 0.03 * u[bins * (2 + histosys + k) + i])) } });
  }
  return {
    version: '1.0.0',
    channels: [{ name: 'c', samples: [{ name: 'signal', data: sig, modifiers: [{ name: 'mu', type: 'normfactor', data: null }] }, { name: 'bkg', data: bkg, modifiers: mods }] }],
    observations: [{ name: 'c', data: bkg.map((b, i) => Math.round(b + 0.3 * sig[i])) }],
    measurements: [{ name: 'm', config: { poi: 'mu', parameters: [] } }],
  };
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const small = HistFactoryModel.fromJSON(syntheticWorkspace(4, 1, 1));
  const d0 = small.observedData();
  const main = tf.tensor1d(d0.main);
  const aux = tf.tensor1d(d0.aux);
  const x0 = small.suggestedInit();
  const refMs = timeMs(() => tf.tidy(() => tf.grad((x: Tensor) => small.nllTensor(x, main, aux))(tf.tensor1d(x0)).dataSync()), 20, 3);
  rows.push({ name: 'reference: NLL gradient, 4 bins, 2 modifiers', value: refMs.toFixed(2), unit: 'ms' });
  for (const [bins, ns, hs] of BENCH_SIZES) {
    const model = HistFactoryModel.fromJSON(syntheticWorkspace(bins, ns, hs));
    const d = model.observedData();
    const ms = timeMs(() => new AsymptoticCalculator(model, d).hypotest(1), 2, 0);
    rows.push({ name: `hypotest (q~, mu=1): ${bins} bins, ${ns} normsys + ${hs} histosys + staterror (${model.size} pars)`, value: ms.toFixed(0), unit: 'ms', note: `${(ms / refMs).toFixed(0)}× reference` });
    model.dispose();
  }
  main.dispose();
  aux.dispose();
  small.dispose();
  const obs = { name: 'x', lo: 0, hi: 10 };
  for (const n of [1e5, 1e6]) {
    const x = gaussianOnExponential(PRNGKey.fromSeed(5), { nSignal: n / 5, nBackground: (4 * n) / 5, mean: 5, sigma: 0.5, lambda: 0.3, lo: 0, hi: 10 });
    const nll = new UnbinnedNLL({ components: [{ pdf: gaussian(obs, 'mu', 'sigma'), yield: 'ns' }, { pdf: exponential(obs, 'lam'), yield: 'nb' }] }, { x }, ['ns', 'nb', 'mu', 'sigma', 'lam']);
    let nfcn = 0;
    const ms = timeMs(() => {
      nfcn = fitUnbinned(nll, { ns: n / 4, nb: 0.75 * n, mu: 4.8, sigma: 0.6, lam: 0.25 }, { bounds: { sigma: [0.05, 5], ns: [0, 2 * n], nb: [0, 2 * n] } }).nfcn;
    }, 1, 0);
    rows.push({ name: `unbinned extended fit (MIGRAD + HESSE), ${n.toExponential(0)} events, 5 pars`, value: ms.toFixed(0), unit: 'ms', note: `${nfcn} float64 evaluations; ${(ms / refMs).toFixed(0)}× reference` });
    nll.dispose();
  }
  return rows;
}
