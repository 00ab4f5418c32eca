/** Shared helpers of the inference tests: tolerances, the validation cases, small models. */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
export { assertClose, assertAllClose, assertGradOk } from '../../src/autodiff/testing/index.js';

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
