/**
 * Differentiable calorimeter reconstruction on the autodiff core: seeded soft
 * clustering, calibrated energy with trainable per-layer weights, the
 * log-weighted centroid, shower shapes and photon pairs → invariant mass.
 * See docs/experiments.md (higgs-diphoton) for the chain that uses it.
 */
export * from './cells.js';
export * from './seeding.js';
export * from './clustering.js';
export * from './energy.js';
export * from './position.js';
export * from './shower-shape.js';
export * from './kinematics.js';
export * from './photon.js';
