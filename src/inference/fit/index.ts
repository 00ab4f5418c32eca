/** Minimizers and interval estimates on plain float64 objectives with autodiff gradients. */
export * from './migrad.js';
