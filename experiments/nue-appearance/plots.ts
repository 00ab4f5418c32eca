/** Figures of the nue-appearance experiment (vega-lite through src/plot). */
import { join } from 'node:path';
import { savePlot, linePlot, scatterPlot, type PlotSpec } from '../../src/plot/index.js';
import { expectedCounts, type EventTable, type FitResult, type Templates } from './fit.js';
import type { NueConfig } from './index.js';

interface PlotInput {
  tables: { truth: EventTable; features: { showerFraction: number[]; energyGeV: number[] } };
  isNue: Uint8Array;
  trueGeV: Float32Array;
  muTruth: number[];
  cfg: NueConfig;
  closure: FitResult[];
  pulls: { sin22theta: { values: number[] }; dm2eV2: { values: number[] } };
  mis: { naive: FitResult; joint: FitResult; jointMeasured: FitResult };
  tauA: number;
}

/** Long series names: widen the legend's label limit of a chart builder's spec. */
function wideLegend(spec: PlotSpec): PlotSpec {
  const enc = (spec as unknown as { encoding?: { color?: Record<string, unknown> } }).encoding;
  if (enc?.color) enc.color.legend = { labelLimit: 400 };
  return spec;
}

/** Writes spectrum.png, features.png, pulls.png and miscalibration.png into `out`. */
export async function writePlots(out: string, p: PlotInput): Promise<void> {
  const e = p.cfg.spectrum.edgesGeV;
  const centres = e.slice(0, -1).map((x, i) => 0.5 * (x + e[i + 1]));
  const width = e.slice(0, -1).map((x, i) => e[i + 1] - x);
  // signal and background separately: templates with only one flavour's score
  const only = (flag: number): Templates => ({ tauUs: [p.cfg.tauTrueUs], nodes: [{ energyGeV: p.tables.truth.energyGeV, score: p.tables.truth.score.map((s, i) => (p.isNue[i] === flag ? s : 0)) }], trueGeV: p.trueGeV, isNue: p.isNue });
  const sig = expectedCounts(only(1), p.cfg.spectrum, p.cfg.truth.sin22theta, p.cfg.truth.dm2eV2);
  const bkg = expectedCounts(only(0), p.cfg.spectrum, p.cfg.truth.sin22theta, p.cfg.truth.dm2eV2);
  const rows = centres.flatMap((x, i) => [
    { x, y: p.muTruth[i] / width[i], series: 'total (ν_e CC + ν_μ misID)' },
    { x, y: sig[i] / width[i], series: 'ν_e appearance' },
    { x, y: bkg[i] / width[i], series: 'ν_μ CC mis-identified' },
  ]);
  await savePlot(wideLegend(linePlot(rows, { title: `electron-like spectrum, sin²2θ = ${p.cfg.truth.sin22theta}, Δm² = ${p.cfg.truth.dm2eV2} eV²`, x: { title: 'reconstructed energy [GeV]' }, y: { title: 'expected events / GeV', zero: true }, points: true })), join(out, 'spectrum.png'));
  const feat = p.tables.features.showerFraction.map((s, i) => ({ x: p.tables.features.energyGeV[i], y: s, series: p.isNue[i] ? 'ν_e CC' : 'ν_μ CC' }));
  await savePlot(scatterPlot(feat, { title: 'reconstructed features (calibrated detector)', x: { title: 'calorimetric energy [GeV]' }, y: { title: 'fraction of hits with dE/dx > 4 MeV/cm' } }), join(out, 'features.png'));
  const pr = [...p.pulls.sin22theta.values.map((y, i) => ({ x: i, y, series: 'sin²2θ' })), ...p.pulls.dm2eV2.values.map((y, i) => ({ x: i, y, series: 'Δm²' }))];
  await savePlot(scatterPlot(pr, { title: `pulls of ${p.closure.length} pseudo-experiments`, x: { title: 'pseudo-experiment' }, y: { title: '(fitted − true)/σ' } }), join(out, 'pulls.png'));
  const fits = [
    { label: 'truth', s: p.cfg.truth.sin22theta, m: p.cfg.truth.dm2eV2 * 1e3, es: 0, em: 0 },
    { label: `naive (τ = ${p.tauA.toFixed(0)} µs fixed)`, s: p.mis.naive.values[0], m: p.mis.naive.values[1] * 1e3, es: p.mis.naive.errors[0], em: p.mis.naive.errors[1] * 1e3 },
    { label: 'joint (τ fitted, muon calibration)', s: p.mis.joint.values[0], m: p.mis.joint.values[1] * 1e3, es: p.mis.joint.errors[0], em: p.mis.joint.errors[1] * 1e3 },
  ];
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'lifetime 10 % low: oscillation fit to the Asimov spectrum',
    width: 420,
    height: 300,
    data: { values: fits.map((f) => ({ ...f, s0: f.s - f.es, s1: f.s + f.es, m0: f.m - f.em, m1: f.m + f.em })) },
    layer: [
      { mark: { type: 'rule' }, encoding: { x: { field: 's0', type: 'quantitative', title: 'sin²2θ', scale: { zero: false } }, x2: { field: 's1' }, y: { field: 'm', type: 'quantitative', title: 'Δm² [10⁻³ eV²]', scale: { zero: false } }, color: { field: 'label', type: 'nominal', title: null, legend: { labelLimit: 400, orient: 'bottom', direction: 'vertical' } } } },
      { mark: { type: 'rule' }, encoding: { x: { field: 's', type: 'quantitative' }, y: { field: 'm0', type: 'quantitative' }, y2: { field: 'm1' }, color: { field: 'label', type: 'nominal', title: null } } },
      { mark: { type: 'point', filled: true, size: 60 }, encoding: { x: { field: 's', type: 'quantitative' }, y: { field: 'm', type: 'quantitative' }, color: { field: 'label', type: 'nominal', title: null } } },
    ],
  } as unknown as PlotSpec;
  await savePlot(spec, join(out, 'miscalibration.png'));
}
