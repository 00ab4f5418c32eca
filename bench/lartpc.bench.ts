/**
 * LArTPC simulation throughput on the physics reference sheet's workload:
 * 10k segments of straight 1 GeV muons (100 tracks x 100 segments of 0.4 cm,
 * 0.84 MeV each), alternating TPCs, drift 2-28 cm, module-0 geometry, nominal
 * parameters. Forward = plan + readout (+ hard electronics, reported separately); forward+backward =
 * readout + a chi^2-type loss + gradient in the six fit parameters. The
 * in-run reference is the forward pass (backward/forward cost ratio); the
 * anchor's figures (differentiable larnd-sim, CPU, 2 threads) are quoted in
 * the notes.
 */
import { tf, prngKey, valueAndGrad, type Tensor } from '../src/autodiff/index.js';
import { lartpcParams, module0Config, benchmarkMuons, planReadout, simulateReadout, asLArTPCTensors, valuesOf, electronicsHard } from '../src/sim/lartpc/index.js';
import { timeMs, peakRssMb, type BenchRow } from './types.js';

export const title = 'lartpc simulation (10k muon segments, module 0, nominal)';

export async function run(): Promise<BenchRow[]> {
  const seg = benchmarkMuons(prngKey(2026), 100);
  const n = seg.dE.length;
  const ps = lartpcParams();
  const c = module0Config();
  const v = valuesOf(ps);
  let hits = 0;
  let readout: ArrayLike<number> = [];
  const forward = () => {
    const p = planReadout(seg, v, c);
    // tidy returns the tensor: a large typed array returned from tidy would be scanned element by element
    const r = tf.tidy(() => simulateReadout(seg, asLArTPCTensors(ps.constantTree()), p, c));
    readout = r.dataSync();
    r.dispose();
  };
  const plan = planReadout(seg, v, c);
  const u0 = Array.from(ps.unconstrainedVector());
  const loss = (p: Record<string, Tensor>) => tf.div(tf.sum(tf.square(simulateReadout(seg, asLArTPCTensors(ps.physicalTree(p.u)), plan, c))), 1e10);
  const fb = () => {
    planReadout(seg, v, c);
    const u = tf.tensor1d(u0);
    const r = valueAndGrad(loss as never)({ u } as never) as unknown as { value: number };
    void r.value;
    u.dispose();
  };
  // forward and forward+backward interleaved, so both see the same machine load
  const tf1: number[] = [];
  const tf2: number[] = [];
  forward();
  fb();
  for (let i = 0; i < 3; i++) {
    let t = performance.now();
    forward();
    tf1.push(performance.now() - t);
    t = performance.now();
    fb();
    tf2.push(performance.now() - t);
  }
  const median = (a: number[]) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const tFwd = median(tf1);
  const tFb = median(tf2);
  const tElec = timeMs(() => {
    hits = electronicsHard(readout, plan.layout, v, { key: prngKey(1) }).row.length;
  }, 3, 1);
  return [
    { name: 'segments', value: n, unit: '' },
    { name: 'non-zero ADC hits (hard mode, noise)', value: hits, unit: '', note: 'reference sheet: ~1050 per 1000 segments' },
    { name: 'forward (segments -> pixel x tick readout)', value: (n / (tFwd / 1000)).toFixed(0), unit: 'segments/s', note: `anchor 0.95 segments/s` },
    { name: 'forward incl. hard electronics', value: (n / ((tFwd + tElec) / 1000)).toFixed(0), unit: 'segments/s' },
    { name: 'forward + backward (6 parameters)', value: (n / (tFb / 1000)).toFixed(0), unit: 'segments/s', note: 'anchor 0.26 segments/s' },
    { name: 'backward/forward cost ratio', value: (tFb / tFwd).toFixed(2), unit: 'x forward' },
    { name: 'peak memory (RSS)', value: peakRssMb().toFixed(0), unit: 'MB', note: 'anchor 0.7 GB forward, 1.4 GB for 100 segments with backward; 40 GB GPU for the fit' },
  ];
}
