/**
 * Lifetime calibration from through-going muons: tracks that cross the full
 * drift of a TPC. After the reconstruction's lifetime correction (constant
 * τ_a) the local charge density of a minimum-ionizing track falls with drift
 * time as exp(−t (1/τ − 1/τ_a)), τ the detector's lifetime; the slope b of
 * ln λ against t (one intercept per track; hits within `endCutCm` of a track
 * end left out, where the kernel density halves) estimates 1/τ_a − 1/τ.
 * Its uncertainty is taken from the spread of the per-track slopes (the
 * kernel correlates neighbouring hits, so a per-hit residual variance would
 * understate it).
 */
import { tf, type Tensor, type PRNGKey, DomainError } from '../../src/autodiff/index.js';
import { trackSegments, concatSegments, type LArTPCTensors, type SimConfig, type Segments } from '../../src/sim/lartpc/index.js';
import { selectHits, takeEntries, selectionWeights, reconstructPoints, driftTimes, lifetimeCorrected, localChargeDensity, principalAxis, type PlannedEvent, type RecoTensors, type RecoConfig } from '../../src/reco/lartpc/index.js';
import { chainHits } from './chain.js';

/**
 * `n` muons (2 GeV) crossing a TPC from anode to cathode at random
 * positions and angles (alternating TPCs), as separate events.
 */
export function crossingMuons(key: PRNGKey, n: number): Segments[] {
  if (!(Number.isInteger(n) && n >= 2)) throw new DomainError('n', n, 'need at least two calibration muons');
  const u = key.uniforms(4 * n);
  return Array.from({ length: n }, (_, k) => {
    const up = k % 2 === 0;
    const zA = up ? 30.2 : -30.2;
    const dz = up ? -1 : 1;
    const cosZ = 0.45 + 0.35 * u[4 * k];
    const phi = (u[4 * k + 1] - 0.5) * 0.8;
    const sin = Math.sqrt(1 - cosZ * cosZ);
    const dir: [number, number, number] = [sin * Math.sin(phi), sin * Math.cos(phi), dz * cosZ];
    const start: [number, number, number] = [-20 + 40 * u[4 * k + 2], -70 + 40 * u[4 * k + 3], zA];
    return concatSegments([trackSegments({ particle: 'muon', start, direction: dir, kineticMeV: 2000, maxLengthCm: 29.9 / cosZ, stepCm: 1, eventId: 0 })]);
  });
}

/** Result of the slope fit. */
export interface LifetimeSlope {
  /** Pooled slope b̂ [1/µs] (tensor, differentiable) and its number value. */
  slope: Tensor;
  value: number;
  /** Uncertainty from the per-track spread [1/µs]. */
  sigma: number;
  perTrack: number[];
}

/**
 * The slope of ln λ against drift time over the calibration tracks (tensor
 * level; `sigma` and `perTrack` are numbers read on the way).
 */
export function lifetimeSlope(planned: PlannedEvent[], sim: LArTPCTensors, reco: RecoTensors, c: SimConfig, rc: RecoConfig, endCutCm = 4): LifetimeSlope {
  const hits = chainHits(planned, sim, c);
  const cal = reco.calibration;
  const sxy: Tensor[] = [];
  const sxx: number[] = [];
  for (let k = 0; k < planned.length; k++) {
    const idx: number[] = [];
    for (let i = 0; i < hits.event.length; i++) if (hits.event[i] === k) idx.push(i);
    const sub = selectHits(hits, Int32Array.from(idx));
    const w = selectionWeights(sub, reco.selection.threshold, reco.selection.width);
    const t = driftTimes(sub, cal.t0, rc);
    const xyz = reconstructPoints(sub, sim.geometry, cal.vdrift, cal.t0, rc);
    const qw = tf.mul(w, lifetimeCorrected(sub.charge, t, cal.lifetime));
    const lam = localChargeDensity(xyz, qw);
    // inner hits: selected, away from the track ends (host decision)
    const s = principalAxis(xyz, qw).projection.dataSync();
    const wh = w.dataSync();
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < s.length; i++) if (wh[i] > 0.5) (lo = Math.min(lo, s[i])), (hi = Math.max(hi, s[i]));
    const keep: number[] = [];
    for (let i = 0; i < s.length; i++) if (wh[i] > 0.5 && s[i] > lo + endCutCm && s[i] < hi - endCutCm) keep.push(i);
    if (keep.length < 10) throw new DomainError(`calibration track ${k}`, keep.length, 'fewer than 10 inner hits');
    const y = tf.log(takeEntries(lam, Int32Array.from(keep)));
    const th = t.dataSync();
    const tk = Float32Array.from(keep, (i) => th[i]);
    const tm = tk.reduce((a, b) => a + b, 0) / tk.length;
    const dt = Float32Array.from(tk, (v) => v - tm);
    sxx.push(dt.reduce((a, b) => a + b * b, 0));
    // Σ (t − t̄)(y − ȳ) = Σ (t − t̄) y
    sxy.push(tf.sum(tf.mul(tf.tensor1d(dt), y)));
  }
  const Sxx = sxx.reduce((a, b) => a + b, 0);
  const slope = tf.div(tf.addN(sxy), Sxx);
  const perTrack = sxy.map((v, k) => v.dataSync()[0] / sxx[k]);
  const value = slope.dataSync()[0];
  const K = perTrack.length;
  const varW = perTrack.reduce((a, b, k) => a + sxx[k] * (b - value) ** 2, 0) / ((K - 1) * Sxx);
  return { slope, value, sigma: Math.sqrt(varW), perTrack };
}
