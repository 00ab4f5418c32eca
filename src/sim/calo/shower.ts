/**
 * GFlash-style electromagnetic showers in a segmented calorimeter, for a
 * batch of electrons or photons, differentiable in the thicknesses, the cell
 * size, the energy, the incidence angle and the impact point.
 *
 * Per shower: the correlated (ln T, ln α) draw (pathwise); a photon first
 * converts at a depth t_c ~ Exp(mean 9/7 X0) (inverse-CDF draw, pathwise);
 * each layer is cut into `subSlices` depth slices whose energy fractions are
 * P(α, β t_end) − P(α, β t_start) (regularized incomplete gamma with
 * gradients in α and in the limits), the rest beyond the last layer is the
 * longitudinal leakage. In each slice the two-component lateral profile at
 * τ = t/T is integrated exactly over the cells (see lateral.ts); what falls
 * outside the grid is the lateral leakage. So deposited + leaked = E exactly.
 *
 * Read-out (sampling): per layer, the deposited energy fluctuates as a Gamma
 * of mean E_l and variance c_l² E_l with c_l = 2.7 % √(d_active[mm]/f_samp)
 * GeV^½ (Fabjan & Gianotti, Rev. Mod. Phys. 75 (2003) 1243; Geant4
 * GFlash also draws a Gamma per step); the visible energy is ê f_samp E_l;
 * photostatistics make it a Gamma of mean and variance N_pe (Poisson
 * moments); electronic noise adds a Gaussian per cell (for a homogeneous
 * calorimeter a cell is a crystal read out once, so its noise is shared
 * among the depth layers of the simulation). All draws are
 * inverse-CDF draws at fixed uniforms/normals from the key, so the result is
 * a smooth function of the inputs for a fixed key (common random numbers).
 */
import { tf, type Tensor, PRNGKey, DomainError, NonFiniteError, ShapeMismatchError } from '../../autodiff/index.js';
import type { CaloDesign, CaloTensors, EffectiveMedium } from './geometry.js';
import { effectiveMedium } from './geometry.js';
import { longitudinalMoments, drawShape, lateralParams, type GflashMedium } from './gflash.js';
import { regularizedGammaP } from './incomplete-gamma.js';
import { cellFractions } from './lateral.js';
import { gammaByInversion } from './gamma-quantile.js';

/** Mean free path of a high-energy photon before pair conversion, in X0 (PDG Review, "Passage of particles through matter": λ_pair = 9/7 X0). */
export const PHOTON_CONVERSION_X0 = 9 / 7;
/** Stochastic-term coefficient of sampling fluctuations [GeV^½] at d = 1 mm, f = 1 (Fabjan & Gianotti 2003). */
export const SAMPLING_COEFF = 0.027;

/** Incident particles, as tensors of shape [B]. */
export interface BeamTensors {
  particle: 'electron' | 'photon';
  energyGeV: Tensor;
  /** Incidence angle to the layer normal in the x–z plane [rad]; default 0. */
  thetaRad?: Tensor;
  /** Impact point on the front face [cm]; default 0 (centre of the central cell). */
  xCm?: Tensor;
  yCm?: Tensor;
}

/** The random numbers of a batch of showers, drawn from a key (common random numbers). */
export interface ShowerRandoms {
  batch: number;
  z1: Float64Array;
  z2: Float64Array;
  uConversion: Float64Array;
  uSampling: Float64Array;
  uPhoto: Float64Array;
  zNoise: Float64Array;
}

/** Draws the random numbers of `batch` showers in `design` from `key`. */
export function drawShowerRandoms(key: PRNGKey, batch: number, design: CaloDesign): ShowerRandoms {
  if (!(Number.isInteger(batch) && batch >= 1)) throw new DomainError('batch', batch, 'must be a positive integer');
  const [k1, k2, k3, k4, k5, k6] = key.fold('calo-shower').split(6);
  const nl = batch * design.nLayers;
  return {
    batch,
    z1: k1.normals(batch),
    z2: k2.normals(batch),
    uConversion: k3.uniforms(batch),
    uSampling: k4.uniforms(nl),
    uPhoto: k5.uniforms(nl),
    zNoise: k6.normals(nl * design.cellsPerSide * design.cellsPerSide),
  };
}

/** Result of `showerTensors` (tensors owned by the caller's tidy). */
export interface ShowerTensors {
  /** [B, L, n, n] true deposited energy (absorber + active) [GeV] ([B, L, 1, 1] in 'layers' mode). */
  deposited: Tensor;
  /** [B, L, n, n] visible (read-out) energy with fluctuations and noise [GeV]. */
  visible: Tensor;
  /** [B, L] visible energy per layer [GeV]. */
  visibleLayers: Tensor;
  /** [B] energy beyond the last layer [GeV]. */
  leakLongitudinalGeV: Tensor;
  /** [B] energy outside the cell grid [GeV]. */
  leakLateralGeV: Tensor;
  /** [B] shower maximum [X0] and shape α of the draw. */
  tmax: Tensor;
  alpha: Tensor;
  medium: EffectiveMedium;
}

/** Options of `showerTensors`. */
export interface ShowerOptions {
  /** Apply sampling fluctuations, photostatistics and noise. Default true. */
  fluctuations?: boolean;
  /**
   * 'cells' (default): per-cell energies [B, L, n, n]. 'layers': only layer
   * sums [B, L, 1, 1] (the lateral profile is integrated over the whole grid
   * at once and the summed cell noise is drawn per layer): ~n² times less
   * lateral work, for reconstruction from layer sums.
   */
  output?: 'cells' | 'layers';
}

function checkBeam(beam: BeamTensors, batch: number): void {
  if (beam.particle !== 'electron' && beam.particle !== 'photon') throw new DomainError('particle', beam.particle, "must be 'electron' or 'photon'");
  const e = beam.energyGeV;
  if (e.rank !== 1 || e.shape[0] !== batch) throw new ShapeMismatchError('energyGeV', [batch], e.shape);
  e.dataSync().forEach((v, i) => {
    if (!Number.isFinite(v)) throw new NonFiniteError(`energyGeV[${i}]`, v);
    if (!(v > 0)) throw new DomainError(`energyGeV[${i}]`, v, 'energy must be > 0 GeV');
  });
  if (beam.thetaRad) {
    beam.thetaRad.dataSync().forEach((v, i) => {
      if (!(Math.abs(v) < 1.4)) throw new DomainError(`thetaRad[${i}]`, v, 'incidence angle must be finite and |θ| < 1.4 rad');
    });
  }
}

function checkGeometry(design: CaloDesign, geo: CaloTensors): void {
  const L = design.nLayers;
  if (geo.absorberCm.rank !== 1 || geo.absorberCm.shape[0] !== L) throw new ShapeMismatchError('absorberCm', [L], geo.absorberCm.shape);
  if (geo.activeCm.rank !== 1 || geo.activeCm.shape[0] !== L) throw new ShapeMismatchError('activeCm', [L], geo.activeCm.shape);
  geo.absorberCm.dataSync().forEach((v, i) => {
    if (!(v > 0) || !Number.isFinite(v)) throw new DomainError(`absorberCm[${i}]`, v, 'thickness must be finite and > 0 cm');
  });
  geo.activeCm.dataSync().forEach((v, i) => {
    const ok = design.kind === 'homogeneous' ? v === 0 : v > 0 && Number.isFinite(v);
    if (!ok) throw new DomainError(`activeCm[${i}]`, v, design.kind === 'homogeneous' ? 'must be 0 for a homogeneous calorimeter' : 'thickness must be finite and > 0 cm');
  });
  const s = geo.cellSizeCm.dataSync()[0];
  if (!(s > 0) || !Number.isFinite(s)) throw new DomainError('cellSizeCm', s, 'must be finite and > 0 cm');
}

/**
 * Simulates a batch of showers (tensor level: call inside `tidy` or a
 * gradient transform). `randoms` fixes every random number, so the output is
 * a deterministic, differentiable function of `geo` and `beam`.
 *
 * @example
 * ```ts
 * const randoms = drawShowerRandoms(prngKey(1), 8, calo.design);
 * const g = grad((p) => {
 *   const r = showerTensors(calo.design, { absorberCm: p.a, activeCm: p.g, cellSizeCm: p.s }, { particle: 'electron', energyGeV: tf.fill([8], 10) }, randoms);
 *   return tf.sum(r.visibleLayers);
 * })({ a: tf.fill([30], 0.2), g: tf.fill([30], 0.4), s: 2 });
 * ```
 */
export function showerTensors(design: CaloDesign, geo: CaloTensors, beam: BeamTensors, randoms: ShowerRandoms, options: ShowerOptions = {}): ShowerTensors {
  const B = randoms.batch;
  checkBeam(beam, B);
  checkGeometry(design, geo);
  const L = design.nLayers;
  const K = design.subSlices;
  const S = L * K;
  const nGrid = design.cellsPerSide;
  const layersOnly = options.output === 'layers';
  const n = layersOnly ? 1 : nGrid;
  const medium = effectiveMedium(design, geo);
  const gm: GflashMedium = {
    zEff: medium.zEff,
    criticalMeV: medium.criticalMeV,
    samplingFrequency: medium.samplingFrequency,
    eHat: medium.eHat,
    sampling: design.kind === 'sampling',
  };
  const E = beam.energyGeV;
  const theta = beam.thetaRad ?? tf.zeros([B]);
  const cosT = tf.cos(theta).reshape([B, 1]);
  const tanT = tf.tan(theta).reshape([B, 1]);
  const x0 = (beam.xCm ?? tf.zeros([B])).reshape([B, 1]);
  const y0 = (beam.yCm ?? tf.zeros([B])).reshape([B, 1, 1, 1]);

  // Shower shape draw.
  const mom = longitudinalMoments(E, gm);
  const { tmax, alpha, beta } = drawShape(mom, tf.tensor1d(Float32Array.from(randoms.z1)), tf.tensor1d(Float32Array.from(randoms.z2)));

  // Slice boundaries in X0 along the axis, and geometric mid-depths [cm].
  const sliceX0 = tf.div(tf.tile(medium.layerX0.reshape([L, 1]), [1, K]).reshape([S]), K);
  const sliceCm = tf.div(tf.tile(medium.layerCm.reshape([L, 1]), [1, K]).reshape([S]), K);
  const cumX0 = tf.cumsum(sliceX0);
  const edgesX0 = tf.concat([tf.zeros([1]), cumX0]).reshape([1, S + 1]);
  const midX0 = tf.sub(cumX0, tf.div(sliceX0, 2)).reshape([1, S]);
  const midCm = tf.sub(tf.cumsum(sliceCm), tf.div(sliceCm, 2)).reshape([1, S]);
  const tConv =
    beam.particle === 'photon'
      ? tf.tensor(Float32Array.from(randoms.uConversion, (u) => -PHOTON_CONVERSION_X0 * Math.log(u)), [B, 1])
      : tf.zeros([B, 1]);
  const depthEdges = tf.relu(tf.sub(tf.div(edgesX0, cosT), tConv)); // [B, S+1] X0 from the shower start
  const depthMid = tf.relu(tf.sub(tf.div(midX0, cosT), tConv)); // [B, S]

  // Longitudinal fractions.
  const cdf = regularizedGammaP(alpha.reshape([B, 1]), tf.mul(beta.reshape([B, 1]), depthEdges));
  const sliceFrac = tf.sub(tf.slice(cdf, [0, 1], [B, S]), tf.slice(cdf, [0, 0], [B, S])); // [B, S]
  const leakLongFrac = tf.sub(1, tf.slice(cdf, [0, S], [B, 1]).reshape([B]));

  // Lateral profile per slice.
  const tau = tf.div(depthMid, tmax.reshape([B, 1]));
  const lnE = tf.log(E).reshape([B, 1]);
  const lat = lateralParams(tau, lnE, gm);
  const rm = medium.moliereCm;
  const edgeIdx = layersOnly ? [-nGrid / 2, nGrid / 2] : Array.from({ length: n + 1 }, (_, i) => i - n / 2);
  const edges = tf.mul(geo.cellSizeCm, tf.tensor1d(edgeIdx));
  const xc = tf.add(x0, tf.mul(midCm, tanT)); // [B, S] axis position in the slice
  const xEdges = tf.mul(tf.sub(edges.reshape([1, 1, n + 1]), xc.reshape([B, S, 1])), cosT.reshape([B, 1, 1])).reshape([B, S, n + 1, 1]);
  const yEdges = tf.sub(edges.reshape([1, 1, 1, n + 1]), y0);
  const rCore = tf.mul(lat.rCore, rm).reshape([B, S, 1, 1]);
  const rTail = tf.mul(lat.rTail, rm).reshape([B, S, 1, 1]);
  const core = cellFractions(xEdges, yEdges, rCore);
  const tail = cellFractions(xEdges, yEdges, rTail);
  const p = lat.pCore;
  const cellFrac = tf.add(tf.mul(p.reshape([B, S, 1, 1]), core.cells), tf.mul(tf.sub(1, p).reshape([B, S, 1, 1]), tail.cells));
  const covered = tf.add(tf.mul(p, core.covered), tf.mul(tf.sub(1, p), tail.covered)); // [B, S]

  const E2 = E.reshape([B, 1]);
  const sliceE = tf.mul(E2, sliceFrac); // [B, S]
  const deposited = tf.sum(tf.mul(sliceE.reshape([B, S, 1, 1]), cellFrac).reshape([B, L, K, n, n]), 2);
  const leakLateralGeV = tf.sum(tf.mul(sliceE, tf.sub(1, covered)), 1);
  const leakLongitudinalGeV = tf.mul(E, leakLongFrac);

  const fsamp = medium.samplingFraction.reshape([1, L]);
  let visibleLayers: Tensor;
  let visible: Tensor;
  const depLayers = tf.sum(deposited, [2, 3]); // [B, L]
  if (options.fluctuations === false) {
    visible = tf.mul(deposited, tf.mul(fsamp, medium.eHat).reshape([1, L, 1, 1]));
    visibleLayers = tf.sum(visible, [2, 3]);
  } else {
    const tiny = 1e-12;
    let layerScale: Tensor = tf.onesLike(depLayers); // fluctuated / mean, per layer
    let flLayers: Tensor = depLayers;
    if (design.kind === 'sampling') {
      // c_l² [GeV] = (0.027)² d_active[mm] / f_samp.
      const c2 = tf.div(tf.mul(SAMPLING_COEFF * SAMPLING_COEFF * 10, geo.activeCm), medium.samplingFraction).reshape([1, L]);
      flLayers = tf.mul(c2, gammaByInversion(tf.div(depLayers, c2), randoms.uSampling));
      layerScale = tf.div(flLayers, tf.add(depLayers, tiny));
    }
    let visL = tf.mul(flLayers, tf.mul(fsamp, medium.eHat));
    if (Number.isFinite(design.photoelectronsPerGeV)) {
      const ly = design.photoelectronsPerGeV;
      const visPe = tf.div(gammaByInversion(tf.mul(visL, ly), randoms.uPhoto), ly);
      layerScale = tf.mul(layerScale, tf.div(visPe, tf.add(visL, tiny)));
      visL = visPe;
    }
    // A crystal is one read-out channel through all its depth layers: share its noise among them (σ/√L each).
    const perLayerShare = design.kind === 'homogeneous' ? 1 / Math.sqrt(L) : 1;
    const sigmaNoise = tf.mul(geo.cellSizeCm, design.noiseMeVPerCm * 1e-3 * perLayerShare);
    // In 'layers' mode the sum of the n² independent cell noises, σ·n·z, with z the first normals of the batch.
    const zN = layersOnly ? Float32Array.from(randoms.zNoise.subarray(0, B * L), (z) => z * nGrid) : Float32Array.from(randoms.zNoise);
    const noise = tf.mul(sigmaNoise, tf.tensor(zN, [B, L, n, n]));
    visible = tf.add(tf.mul(deposited, tf.mul(layerScale, tf.mul(fsamp, medium.eHat)).reshape([B, L, 1, 1])), noise);
    visibleLayers = tf.sum(visible, [2, 3]);
  }
  return { deposited, visible, visibleLayers, leakLongitudinalGeV, leakLateralGeV, tmax, alpha, medium };
}
