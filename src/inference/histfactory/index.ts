/** Binned HistFactory likelihoods from pyhf JSON workspaces, fits and asymptotic tests. */
export * from './workspace.js';
export * from './interpolation.js';
export * from './model.js';
export * from './fit.js';
export * from './hypotest.js';
export * from './load.js';
export * from './toys.js';
