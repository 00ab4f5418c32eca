/**
 * `diffhep/sim`: differentiable detector simulation and event generation —
 * the pixel LArTPC (`lartpc`), the sampling calorimeter (`calo`) and the
 * generators with theory parameters (`generator`).
 */
export * as lartpc from './lartpc/index.js';
export * as calo from './calo/index.js';
export * as generator from './generator/index.js';
