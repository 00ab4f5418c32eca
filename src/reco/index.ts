/**
 * diffhep/reco: reconstruction written on the autodiff core, so a loss on
 * reconstructed quantities differentiates back into the simulation's
 * calibration, geometry and theory parameters.
 *
 * - `lartpc`: hit selection, 3D points, charge → energy, clustering, track
 *   fit, dE/dx, track/shower features, calorimetric and range energy.
 * - `calo`: seeded soft clustering, calibrated energy, log-weighted position,
 *   shower shapes, photon pairs → invariant mass.
 * - `learned`: energy regression and particle ID (Deep Sets, CNN) with the
 *   maximum-likelihood calibration of arXiv:2205.05084.
 */
export * as calo from './calo/index.js';
export * as lartpc from './lartpc/index.js';
export * as learned from './learned/index.js';
