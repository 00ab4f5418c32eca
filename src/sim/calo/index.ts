/**
 * Differentiable sampling and homogeneous calorimeters with GFlash-style
 * electromagnetic showers. See docs/calo.md.
 */
export * from './materials.js';
export * from './geometry.js';
export * from './incomplete-gamma.js';
export * from './gamma-quantile.js';
export * from './gflash.js';
export * from './lateral.js';
export * from './shower.js';
export * from './simulate.js';
export * from './reconstruction.js';
export * from './event-display.js';
