/** Network building blocks: pure functions of parameter trees, no hidden state. */
export * from './activations.js';
export * from './initializers.js';
export * from './dense.js';
export * from './conv.js';
export * from './deep-sets.js';
export * from './batch-norm.js';
