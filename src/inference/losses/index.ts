/** Differentiable physics-reach losses. */
export * from './asimov.js';
