/** The experiments `diffhep run NAME` knows. Add one entry per experiment. */
import type { ExperimentEntry } from './types.js';

export const experiments: Record<string, ExperimentEntry> = {
  'demo-fit': { description: 'a small gradient fit of a Gaussian peak on a falling background', load: () => import('./demo-fit/index.js') },
  'calo-design': { description: 'gradient optimization of sampling-calorimeter layer thicknesses and cell size for photon resolution, checked against a grid scan', load: () => import('./calo-design/index.js') },
  'lartpc-calibration': { description: 'joint gradient calibration of six pixel-LArTPC parameters (A_b, k_b, D_T, D_L, lifetime, E) on pseudo-data, with and without noise', load: () => import('./lartpc-calibration/index.js') },
  neos: { description: 'neos: an observable trained end to end for the expected CLs (implicit fit gradients) vs a BCE classifier', load: () => import('./neos/index.js') },
  inferno: { description: 'INFERNO benchmark 0-4: expected uncertainty on s from a summary trained on the Cramér-Rao bound vs BCE and the true likelihood', load: () => import('./inferno/index.js') },
  'trigger-fpga': { description: "the hls4ml jet tagger (16-64-32-32-5) on generated jets: float, PTQ, QAT, pruning and HGQ vs hls4ml's own models; accuracy, LUTs, latency, bit-exact Verilog", load: () => import('./trigger-fpga/index.js') },
  'nue-appearance': { description: 'end-to-end chain: neutrino oscillations → pixel LArTPC simulation → reconstruction → electron-like spectrum; gradients in lifetime, threshold, pitch and (sin²2θ, Δm²), fit closure, and a 10 % lifetime miscalibration removed by a joint calibration + physics fit', load: () => import('./nue-appearance/index.js') },
  'higgs-diphoton': { description: 'end-to-end chain: diphoton generator → calorimeter → photon reconstruction → mass → HistFactory with systematics → expected significance; gradients vs finite differences, mass fit with pseudo-experiments, geometry optimized for significance at equal cost', load: () => import('./higgs-diphoton/index.js') },
};
