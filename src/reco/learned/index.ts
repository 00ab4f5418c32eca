/**
 * diffhep/reco/learned: energy regression and particle identification with
 * networks trained through the autodiff core — Deep Sets over calorimeter
 * cells (or LArTPC hits), a CNN over calorimeter images — and the
 * maximum-likelihood (Gaussian Ansatz) calibration whose estimate does not
 * depend on the training spectrum (arXiv:2205.03413, arXiv:2205.05084).
 */
export * from './host-array.js';
export * from './energy-prior.js';
export * from './calo-images.js';
export * from './cell-sets.js';
export * from './shower-sample.js';
export * from './network.js';
export * from './set-network.js';
export * from './image-network.js';
export * from './vector-network.js';
export * from './losses.js';
export * from './gaussian-ansatz.js';
export * from './train.js';
export * from './predict.js';
export * from './metrics.js';
export * from './prior-study.js';
export * from './likelihood-inversion.js';
export * from './fisher-discriminant.js';
export * from './pid-study.js';
export * from './lartpc-hit-sets.js';
