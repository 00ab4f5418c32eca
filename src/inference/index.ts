/**
 * `diffhep/inference`: likelihoods (binned HistFactory, unbinned extended),
 * MIGRAD/HESSE/MINOS-style fits, asymptotic tests and limits, and
 * differentiable physics-reach losses.
 */
export * from './histfactory/index.js';
export * from './fit/index.js';
export * from './fit/profile.js';
export * from './losses/index.js';
export * from './unbinned/index.js';
export * from './ratio/index.js';
