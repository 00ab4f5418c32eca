/**
 * Differentiable pixel LArTPC simulation (DUNE ND-LAr style): segments ->
 * recombination -> drift -> pixel response -> readout -> electronics -> hits.
 * See docs/lartpc.md.
 */
export * from './constants.js';
export * from './segments.js';
export * from './params.js';
export * from './config.js';
export * from './recombination.js';
export * from './drift.js';
export * from './host-physics.js';
export * from './pixel-response.js';
export * from './readout.js';
export * from './sparse-ops.js';
export * from './noise.js';
export * from './electronics.js';
export * from './validate.js';
export * from './simulate.js';
export * from './generator.js';
export * from './hdf5.js';
export * from './event-display.js';
