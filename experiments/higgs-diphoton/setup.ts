/**
 * Fixed settings of the higgs-diphoton chain: the calorimeter of the
 * calo-design study (Pb/plastic scintillator, 20 layers, 5 × 5 cells, same
 * read-out and cost model), a barrel at radius R with a pointing (projective)
 * read-out, the resonance and continuum of the generator, the mass histogram
 * and the systematic variations.
 */
import { SETUP as CALO } from '../calo-design/objective.js';

export { CALO };

export const SETUP = {
  /** Distance of the calorimeter face from the beam line [cm] (ATLAS EM barrel: r ≈ 150 cm, ATLAS TDR CERN/LHCC 96-41). */
  barrelRadiusCm: 150,
  /** Photon acceptance |η| < 1.37 (the ATLAS barrel for photons). */
  etaMax: 1.37,
  /** Truth of the theory parameters. The width (1 GeV) is that of a hypothetical broad scalar, so it is visible next to the ≈ 2 GeV mass resolution. */
  truth: { mass: 125, width: 1, mu: 1, slope: 2, curvature: 0 },
  /** Generated mass window [GeV], expected yields in it at μ = 1 (before acceptance). */
  windowGeV: [100, 160] as [number, number],
  signalYield: 800,
  backgroundYield: 40000,
  /** Soft mass histogram: edges [GeV] and Gaussian bandwidth [GeV]. */
  histogram: { lo: 110, hi: 140, bins: 15, bandwidthGeV: 1 },
  /** ±1σ systematic variations: photon energy scale (relative), mass resolution (relative), continuum curvature ξ₂ (absolute). */
  systematics: { energyScale: 0.005, resolution: 0.1, backgroundCurvature: 0.5 },
  /** Photon cluster: radius and edge softness in cell sizes (a 3 × 3 core plus half the next ring). */
  clusterRadiusCells: 1.5,
  clusterSoftnessCells: 0.1,
  /** Depth-limit penalty of the geometry optimization (significance units per unit of the softplus hinge). */
  depthPenaltyWeight: 1,
} as const;

/** Histogram edges [GeV]. */
export function histogramEdges(): number[] {
  const { lo, hi, bins } = SETUP.histogram;
  return Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
}

/** Cost (calo-design model: volume × price, Pb 1, scintillator 0.4 per cm³) of a uniform design. */
export function designCost(absorberCm: number, activeCm: number, cellSizeCm: number): number {
  const area = (cellSizeCm * CALO.cellsPerSide) ** 2;
  return area * CALO.nLayers * (absorberCm * CALO.costPerCm3.absorber + activeCm * CALO.costPerCm3.active);
}

/** The cell size that gives cost `budget` for thicknesses a, g (the equal-cost constraint solved for s). */
export function cellSizeAtCost(absorberCm: number, activeCm: number, budget: number): number {
  return Math.sqrt(budget / (CALO.cellsPerSide ** 2 * CALO.nLayers * (absorberCm * CALO.costPerCm3.absorber + activeCm * CALO.costPerCm3.active)));
}

/** The resolution optimum of calo-design (docs/calo.md, seed 1). */
export const RESOLUTION_OPTIMUM = { absorberCm: 0.46, activeCm: 0.35, cellSizeCm: 2.74 } as const;
