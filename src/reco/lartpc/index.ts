/**
 * LArTPC reconstruction on the autodiff core (see docs/experiments.md,
 * "nue-appearance"): hits → soft selection → 3D points (pixel centre, drift
 * time × v_d) → lifetime correction → local charge density → Birks
 * inversion (energy per hit) → clustering → principal-axis track fit
 * (direction, length) → dE/dx → track-vs-shower features; CSDA range
 * energies of muons and protons. `sim-hits.ts` bridges the relaxed
 * simulation to the hits.
 */
export * from './params.js';
export * from './hits.js';
export * from './sim-hits.js';
export * from './selection.js';
export * from './points.js';
export * from './charge-energy.js';
export * from './local-density.js';
export * from './clustering.js';
export * from './track-fit.js';
export * from './dedx.js';
export * from './range-energy.js';
export * from './event-reco.js';
