/** Differentiable physics-reach losses. */
export * from './asimov.js';
export * from './expected-cls.js';
export * from './fisher.js';
export * from './decorrelation.js';
