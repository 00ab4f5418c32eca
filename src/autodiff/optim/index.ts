/** Optimizers: Adam/SGD with schedules on parameter sets (`minimize`), L-BFGS and damped Newton for fits. */
export * from './schedules.js';
export * from './optimizer.js';
export * from './minimize.js';
export * from './lbfgs.js';
export * from './newton.js';
export * from './param-oracles.js';
