/**
 * diffhep: differentiable programming for particle physics. The subpath
 * exports (`diffhep/autodiff`, `diffhep/sim`, `diffhep/inference`, ...) are the
 * usual entry points; this root re-exports the core and names the stages.
 */
export * from './autodiff/index.js';
export * as sim from './sim/index.js';
export * as inference from './inference/index.js';
