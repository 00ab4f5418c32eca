/**
 * Validation of the calorimeter simulation against the GFlash
 * parametrization means and textbook expectations, writing the figures of
 * docs/calo.md:
 *
 * - longitudinal profile (PbWO4, 0.5 X0 layers): mean simulated dE/dt vs the
 *   Gamma profile at GFlash's mean ⟨ln T⟩, ⟨ln α⟩;
 * - lateral containment vs radius in Molière radii (≈ 90 % at 1 R_M, PDG);
 * - longitudinal containment vs depth with PDG's 95 % rule
 *   t95 ≈ t_max + 0.08 Z + 9.6 X0 (PDG Review, "Passage of particles through matter");
 * - σ/E vs E for four reference geometries with a fit a/√E ⊕ b/E ⊕ c.
 *
 * `npx tsx experiments/calo-design/validation.ts [OUT_DIR]` (default docs/img/calo).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tf, prngKey, special } from '../../src/autodiff/index.js';
import { savePlot, linePlot, type PlotSpec } from '../../src/plot/index.js';
import { writeJsonAtomic } from '../../src/autodiff/index.js';
import { calorimeter, simulateShowers, longitudinalMoments, lateralParams, saveEventDisplay, MATERIALS, type CaloSpec } from '../../src/sim/calo/index.js';

/** Reference geometries of the resolution study. */
export const REFERENCE_GEOMETRIES: Record<string, CaloSpec> = {
  // Pb/LAr: 80 × (1.5 mm Pb + 4 mm LAr), 24 X0 (ATLAS-like sampling); Pb/scint: 30 × (5 + 5 mm), 27 X0;
  // W/Si: 30 × (3.5 mm W + 0.3 mm Si), 30 X0 (CALICE-like); PbWO4: 23 cm crystals, 25.8 X0 (CMS-like).
  'Pb/LAr': { absorber: 'Pb', active: 'LAr', nLayers: 80, absorberCm: 0.15, activeCm: 0.4, cellSizeCm: 4, cellsPerSide: 5, subSlices: 1 },
  'Pb/scint': { absorber: 'Pb', active: 'Scintillator', nLayers: 30, absorberCm: 0.5, activeCm: 0.5, cellSizeCm: 4, cellsPerSide: 5, subSlices: 1 },
  'W/Si': { absorber: 'W', active: 'Si', nLayers: 30, absorberCm: 0.35, activeCm: 0.03, cellSizeCm: 2, cellsPerSide: 5, subSlices: 1 },
  PbWO4: { kind: 'homogeneous', absorber: 'PbWO4', nLayers: 10, absorberCm: 2.3, cellSizeCm: 2.2, cellsPerSide: 5, subSlices: 1 },
};

const ENERGIES = [1, 2, 5, 10, 20, 50, 100];

/** Least-squares fit of (σ/E)² = a²/E + b²/E² + c² with non-negative coefficients (active-set over the 3 terms). */
export function fitResolution(e: number[], r: number[]): { a: number; b: number; c: number } {
  const cols = [(x: number) => 1 / x, (x: number) => 1 / (x * x), () => 1];
  let best = { a: 0, b: 0, c: 0, chi: Infinity };
  for (let mask = 1; mask < 8; mask++) {
    const use = [0, 1, 2].filter((k) => mask & (1 << k));
    const A = use.map((i) => use.map((j) => e.reduce((s, x, n) => s + (cols[i](x) * cols[j](x)) / (r[n] ** 4), 0)));
    const y = use.map((i) => e.reduce((s, x, n) => s + (cols[i](x) * r[n] ** 2) / (r[n] ** 4), 0));
    let sol: number[];
    try {
      sol = solveSmall(A, y);
    } catch {
      continue;
    }
    if (sol.some((v) => v < 0)) continue;
    const coef = [0, 0, 0];
    use.forEach((k, i) => (coef[k] = sol[i]));
    const chi = e.reduce((s, x, n) => s + ((coef[0] / x + coef[1] / (x * x) + coef[2] - r[n] ** 2) / r[n] ** 2) ** 2, 0);
    if (chi < best.chi) best = { a: Math.sqrt(coef[0]), b: Math.sqrt(coef[1]), c: Math.sqrt(coef[2]), chi };
  }
  return { a: best.a, b: best.b, c: best.c };
}

function solveSmall(A: number[][], y: number[]): number[] {
  const n = y.length;
  const M = A.map((row, i) => [...row, y[i]]);
  for (let i = 0; i < n; i++) {
    let p = i;
    for (let k = i + 1; k < n; k++) if (Math.abs(M[k][i]) > Math.abs(M[p][i])) p = k;
    [M[i], M[p]] = [M[p], M[i]];
    if (Math.abs(M[i][i]) < 1e-300) throw new Error('singular');
    for (let k = 0; k < n; k++) {
      if (k === i) continue;
      const f = M[k][i] / M[i][i];
      for (let j = i; j <= n; j++) M[k][j] -= f * M[i][j];
    }
  }
  return M.map((row, i) => row[n] / row[i]);
}

function meanStd(x: number[]): { mean: number; std: number } {
  const m = x.reduce((a, b) => a + b, 0) / x.length;
  return { mean: m, std: Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1)) };
}

/** Runs the validation; returns the figures' numbers. */
export async function runValidation(out: string, showersPerPoint = 400): Promise<Record<string, unknown>> {
  const key = prngKey(20261123).fold('calo-validation');
  const results: Record<string, unknown> = {};

  // Longitudinal profile in PbWO4, 0.5 X0 layers, 60 layers (30 X0).
  const x0 = MATERIALS.PbWO4.x0Cm;
  const fine = calorimeter({ kind: 'homogeneous', absorber: 'PbWO4', nLayers: 60, absorberCm: 0.5 * x0, cellSizeCm: 10, cellsPerSide: 3, subSlices: 1 });
  const longRows: { x: number; y: number; series: string }[] = [];
  const longCheck: Record<string, number> = {};
  for (const E of [10, 100]) {
    const ev = simulateShowers(fine, { particle: 'electron', energyGeV: E, count: showersPerPoint }, key.fold(`long${E}`), { fluctuations: false, output: 'layers' });
    const [lnT, lnA] = tf.tidy(() => {
      const m = longitudinalMoments(tf.tensor1d([E]), { zEff: tf.scalar(MATERIALS.PbWO4.z), criticalMeV: tf.scalar(MATERIALS.PbWO4.criticalMeV), samplingFrequency: tf.scalar(Infinity), eHat: 1, sampling: false });
      return [m.meanLnT.dataSync()[0], m.meanLnAlpha.dataSync()[0]];
    });
    const alpha = Math.exp(lnA);
    const beta = (alpha - 1) / Math.exp(lnT);
    let simMeanT = 0;
    for (let l = 0; l < 60; l++) {
      let s = 0;
      for (let b = 0; b < ev.batch; b++) s += ev.deposited[b * 60 + l];
      const frac = s / ev.batch / E;
      const t = 0.5 * (l + 0.5);
      simMeanT += frac * t;
      const gf = special.gammaP(alpha, beta * 0.5 * (l + 1)) - special.gammaP(alpha, beta * 0.5 * l);
      longRows.push({ x: t, y: frac / 0.5, series: `sim ${E} GeV` }, { x: t, y: gf / 0.5, series: `GFlash mean ${E} GeV` });
    }
    longCheck[`tmax_mean_param_${E}GeV`] = Math.exp(lnT);
    longCheck[`centre_of_gravity_sim_${E}GeV`] = simMeanT;
    longCheck[`centre_of_gravity_gflash_mean_${E}GeV`] = alpha / beta;
  }
  results.longitudinal = longCheck;
  await savePlot(linePlot(longRows, { title: 'Longitudinal profile, e− in PbWO4', x: { title: 'depth t [X0]' }, y: { title: '(1/E) dE/dt [1/X0]' } }), join(out, 'longitudinal.png'));

  // Lateral containment vs radius (fine cells, PbWO4 10 GeV): sum cells whose centre is within r.
  const n = 41;
  const rm = MATERIALS.PbWO4.moliereCm;
  const lat = calorimeter({ kind: 'homogeneous', absorber: 'PbWO4', nLayers: 25, absorberCm: x0, cellSizeCm: 0.15 * rm, cellsPerSide: n, subSlices: 2 });
  const evL = simulateShowers(lat, { particle: 'electron', energyGeV: 10, count: 40 }, key.fold('lat'), { fluctuations: false });
  const radial = new Float64Array(n * n);
  let totalDep = 0;
  for (let b = 0; b < evL.batch; b++) for (let l = 0; l < 25; l++) for (let i = 0; i < n * n; i++) radial[i] += evL.deposited[(b * 25 + l) * n * n + i];
  for (const v of radial) totalDep += v;
  const totalE = 10 * evL.batch - Array.from(evL.leakLongitudinalGeV).reduce((a, b) => a + b, 0);
  const latRows: { x: number; y: number; series: string }[] = [];
  const latCheck: Record<string, number> = {};
  for (let k = 1; k <= 20; k++) {
    const r = 0.15 * k; // in R_M
    let s = 0;
    for (let ix = 0; ix < n; ix++) for (let iy = 0; iy < n; iy++) if (Math.hypot(ix - (n - 1) / 2, iy - (n - 1) / 2) * 0.15 <= r) s += radial[ix * n + iy];
    latRows.push({ x: r, y: s / totalE, series: 'simulated' });
    if (Math.abs(r - 0.9) < 1e-9 || Math.abs(r - 1.05) < 1e-9 || Math.abs(r - 1.95) < 1e-9) latCheck[`containment_at_${r.toFixed(2)}_RM`] = s / totalE;
  }
  // GFlash mean: the radial CDFs at the mean (T, α), weighted by the mean longitudinal profile (0.5 X0 slices).
  const gm = { zEff: tf.scalar(MATERIALS.PbWO4.z), criticalMeV: tf.scalar(MATERIALS.PbWO4.criticalMeV), samplingFrequency: tf.scalar(Infinity), eHat: 1, sampling: false };
  const { w, rc, rt, pc } = tf.tidy(() => {
    const mom = longitudinalMoments(tf.tensor1d([10]), gm);
    const tm = Math.exp(mom.meanLnT.dataSync()[0]);
    const al = Math.exp(mom.meanLnAlpha.dataSync()[0]);
    const be = (al - 1) / tm;
    const mids = Array.from({ length: 50 }, (_, i) => 0.5 * (i + 0.5));
    const lp = lateralParams(tf.tensor1d(mids.map((t) => t / tm)), tf.scalar(Math.log(10)), gm);
    return {
      w: mids.map((_, i) => special.gammaP(al, be * 0.5 * (i + 1)) - special.gammaP(al, be * 0.5 * i)),
      rc: Array.from(lp.rCore.dataSync()),
      rt: Array.from(lp.rTail.dataSync()),
      pc: Array.from(lp.pCore.dataSync()),
    };
  });
  const wSum = w.reduce((a, b) => a + b, 0);
  for (let k = 1; k <= 60; k++) {
    const r = 0.05 * k;
    let c = 0;
    for (let i = 0; i < 50; i++) c += w[i] * (pc[i] * ((r * r) / (r * r + rc[i] * rc[i])) + (1 - pc[i]) * ((r * r) / (r * r + rt[i] * rt[i])));
    latRows.push({ x: r, y: c / wSum, series: 'GFlash mean' });
    if (k === 20) latCheck.gflash_mean_containment_at_1_RM = c / wSum;
  }
  latRows.push({ x: 1, y: 0.9, series: 'PDG 90 % at 1 R_M' }, { x: 3, y: 0.9, series: 'PDG 90 % at 1 R_M' });
  latCheck.grid_containment = totalDep / totalE;
  results.lateral = latCheck;
  await savePlot(linePlot(latRows, { title: 'Lateral containment, 10 GeV e− in PbWO4', x: { title: 'radius [R_M]' }, y: { title: 'fraction of deposited energy' } }), join(out, 'lateral.png'));

  // Containment vs depth.
  const depthRows: { x: number; y: number; series: string }[] = [];
  const t95: Record<string, number> = {};
  for (const E of [1, 10, 100]) {
    const ev = simulateShowers(fine, { particle: 'electron', energyGeV: E, count: 200 }, key.fold(`depth${E}`), { fluctuations: false, output: 'layers' });
    let cum = 0;
    let found = NaN;
    for (let l = 0; l < 60; l++) {
      let s = 0;
      for (let b = 0; b < ev.batch; b++) s += ev.deposited[b * 60 + l];
      cum += s / ev.batch / E;
      depthRows.push({ x: 0.5 * (l + 1), y: cum, series: `${E} GeV` });
      if (Number.isNaN(found) && cum >= 0.95) found = 0.5 * (l + 1);
    }
    const tmaxPdg = Math.log((E * 1000) / MATERIALS.PbWO4.criticalMeV) - 0.5; // t_max = ln y − 0.5 for electrons (PDG Review, EM cascades)
    t95[`${E}GeV_sim`] = found;
    t95[`${E}GeV_pdg_rule`] = tmaxPdg + 0.08 * MATERIALS.PbWO4.z + 9.6;
  }
  results.depth95 = t95;
  await savePlot(linePlot(depthRows, { title: 'Longitudinal containment vs depth, e− in PbWO4', x: { title: 'depth [X0]' }, y: { title: 'contained fraction' } }), join(out, 'containment.png'));

  // Resolution curves.
  const resRows: { x: number; y: number; series: string }[] = [];
  const fits: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(REFERENCE_GEOMETRIES)) {
    const calo = calorimeter(spec);
    const rel: number[] = [];
    for (const E of ENERGIES) {
      const ev = simulateShowers(calo, { particle: 'electron', energyGeV: E, count: showersPerPoint }, key.fold(`${name}:${E}`), { output: 'layers' });
      const L = ev.nLayers;
      const rec: number[] = [];
      for (let b = 0; b < ev.batch; b++) {
        let s = 0;
        for (let l = 0; l < L; l++) s += ev.visibleLayers[b * L + l] / (ev.eHat * ev.samplingFraction[l]);
        rec.push(s);
      }
      const { mean, std } = meanStd(rec);
      rel.push(std / mean);
      resRows.push({ x: E, y: std / mean, series: `${name} sim` });
    }
    const fit = fitResolution(ENERGIES, rel);
    fits[name] = { sigma_over_E: rel, fit };
    for (let k = 0; k <= 40; k++) {
      const E = Math.pow(100, k / 40);
      resRows.push({ x: E, y: Math.sqrt(fit.a ** 2 / E + fit.b ** 2 / (E * E) + fit.c ** 2), series: `${name} fit` });
    }
  }
  results.resolution = fits;
  const simRows = resRows.filter((r) => r.series.endsWith('sim'));
  const fitRows = resRows.filter((r) => r.series.endsWith('fit'));
  const layered = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Energy resolution σ/E of electrons: simulation (points), fit a/√E ⊕ b/E ⊕ c (lines)',
    width: 420,
    height: 300,
    encoding: {
      x: { field: 'x', type: 'quantitative', title: 'E [GeV]', scale: { type: 'log' } },
      y: { field: 'y', type: 'quantitative', title: 'σ/E', scale: { type: 'log' } },
      color: { field: 'geometry', type: 'nominal', title: null },
    },
    layer: [
      { data: { values: simRows.map((r) => ({ ...r, geometry: r.series.replace(' sim', '') })) }, mark: { type: 'point', filled: true, size: 40 } },
      { data: { values: fitRows.map((r) => ({ ...r, geometry: r.series.replace(' fit', '') })) }, mark: { type: 'line' } },
    ],
  };
  await savePlot(layered as unknown as PlotSpec, join(out, 'resolution.png'));

  // Event display: 50 GeV photon in the Pb/scintillator reference geometry.
  const disp = simulateShowers(calorimeter({ ...REFERENCE_GEOMETRIES['Pb/scint'], cellSizeCm: 2, cellsPerSide: 11 }), { particle: 'photon', energyGeV: 50, count: 1 }, key.fold('display'));
  await saveEventDisplay(disp, 0, join(out, 'event-display.png'));
  writeJsonAtomic(join(out, 'validation.json'), results);
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = process.argv[2] ?? 'docs/img/calo';
  const r = await runValidation(out);
  process.stdout.write(JSON.stringify(r, null, 1) + '\n');
}
