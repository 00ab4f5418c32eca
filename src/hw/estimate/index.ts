/**
 * Resource estimation of exported designs: the analytic estimator calibrated
 * against yosys (`estimateResources`), its calibration set and fit, and the
 * reproducible random networks it is calibrated on. See docs/hw.md.
 *
 * @example
 * ```ts
 * import { estimateResources } from 'diffhep/hw';
 * const { luts, ffs, dsps, latency_cycles, ii } = estimateResources(ir, { reuse: 1 });
 * ```
 */
export * from './estimate.js';
export * from './calibrate.js';
export * from './random-net.js';
