/** Shared helpers of the inference tests: tolerances, the validation cases, small models. */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatGradCheck, type GradCheckResult } from '../../src/autodiff/testing/index.js';

/** Asserts |a − b| ≤ atol + rtol·|b|. */
export function assertClose(a: number, b: number, rtol: number, atol: number, what: string): void {
  const tol = atol + rtol * Math.abs(b);
  assert.ok(Number.isFinite(a) && Math.abs(a - b) <= tol, `${what}: got ${a}, expected ${b} (|diff| ${Math.abs(a - b).toExponential(3)} > tol ${tol.toExponential(3)})`);
}

/** Elementwise assertClose. */
export function assertAllClose(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: length ${a.length} vs ${b.length}`);
  for (let i = 0; i < a.length; i++) assertClose(a[i], b[i], rtol, atol, `${what}[${i}]`);
}

/** Asserts a gradient check passed. */
export function assertGradOk(r: GradCheckResult, what: string): void {
  assert.ok(r.ok, `${what}: gradient check failed\n${formatGradCheck(r)}`);
}

/** The pyhf validation cases in ../shared/validation/histfactory (relative to the repository root). */
export const VALIDATION_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/validation/histfactory');

export interface ValidationCase {
  name: string;
  workspace: unknown;
  expected: {
    par_order: string[];
    twice_nll_at_init: number;
    mle: number[];
    twice_nll_min: number;
    cls_obs_qtilde_mu1: number;
    cls_exp_qtilde_mu1: number[];
    q0: number;
    p0: number;
    upper_limit_obs_linear_scan_0_5_51: number;
    upper_limit_exp_linear_scan_0_5_51: number[];
  };
}

/** Every case file, sorted by name. */
export function validationCases(): ValidationCase[] {
  return readdirSync(VALIDATION_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ''), ...JSON.parse(readFileSync(resolve(VALIDATION_DIR, f), 'utf8')) }));
}

/** pyhf's `simplemodels.uncorrelated_background` as a workspace (signal normfactor mu, background shapesys). */
export function uncorrelatedBackground(signal: number[], bkg: number[], bkgUncertainty: number[], data: number[]): unknown {
  return {
    version: '1.0.0',
    channels: [
      {
        name: 'singlechannel',
        samples: [
          { name: 'signal', data: signal, modifiers: [{ name: 'mu', type: 'normfactor', data: null }] },
          { name: 'background', data: bkg, modifiers: [{ name: 'uncorr_bkguncrt', type: 'shapesys', data: bkgUncertainty }] },
        ],
      },
    ],
    observations: [{ name: 'singlechannel', data }],
    measurements: [{ name: 'meas', config: { poi: 'mu', parameters: [] } }],
  };
}
