/**
 * `diffhep/autodiff/testing`: tools for property-based suites of
 * differentiable code — `checkGrad`/`assertGradClose` (autodiff vs finite
 * differences) and fast-check arbitraries for parameters and physical inputs.
 */
export * from './check-grad.js';
export * from './arbitraries.js';
export * from './assertions.js';
