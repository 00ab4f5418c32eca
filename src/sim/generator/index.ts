/** Event generators differentiable in theory parameters. See docs/calo.md. */
export * from './diphoton.js';
export * from './neutrino.js';
