/**
 * Maximum-likelihood fits of a HistFactory model: MIGRAD on the negative
 * log-likelihood (float64 values from the host path, gradients and Hessians
 * by autodiff of the tensor path), HESSE covariances, fixed parameters and
 * bounds as pyhf sets them.
 */
import { tf, type Tensor, hessian as autodiffHessian, DomainError, linalg } from '../../autodiff/index.js';
import { migrad, hesse, type Objective } from '../fit/migrad.js';
import type { HistFactoryModel } from './model.js';

/** Main and auxiliary data of a HistFactory model. */
export interface ModelData {
  main: number[];
  aux: number[];
}

/** The NLL of a model for one dataset, as an `Objective` for `migrad`. */
export class ModelObjective implements Objective {
  private main: Tensor;
  private aux: Tensor;
  constructor(readonly model: HistFactoryModel, readonly data: ModelData) {
    if (data.main.length !== model.nBins) throw new DomainError('data.main', data.main.length, `expected ${model.nBins} bins`);
    this.main = tf.keep(tf.tensor1d(data.main));
    this.aux = tf.keep(tf.tensor1d(data.aux.length ? data.aux : [0]));
  }
  value(x: number[]): number {
    return -this.model.logpdf(x, this.data);
  }
  gradient(x: number[]): number[] {
    return tf.tidy(() => Array.from(tf.grad((v: Tensor) => this.model.nllTensor(v, this.main, this.aux))(tf.tensor1d(x)).dataSync()));
  }
  hessian(x: number[]): linalg.Matrix {
    const xt = tf.tensor1d(x);
    try {
      return autodiffHessian((p) => this.model.nllTensor((p as { x: Tensor }).x, this.main, this.aux))({ x: xt }).matrix;
    } finally {
      xt.dispose();
    }
  }
  dispose(): void {
    this.main.dispose();
    this.aux.dispose();
  }
}

/** Options of `fitModel`. */
export interface FitOptions {
  /** Start values (default: the model's suggested inits). */
  init?: number[];
  /** Bounds (default: suggested). */
  bounds?: [number, number][];
  /** Fixed flags (default: suggested). */
  fixed?: boolean[];
  /** Fix the POI at this value (a conditional fit). */
  fixPoi?: number;
  /** Minuit tolerance (default 1e-5: EDM < 1e-8, tighter than Minuit's 0.1 so fits match pyhf's scipy fits to 1e-4). */
  tol?: number;
  /** Compute HESSE uncertainties. */
  hesse?: boolean;
  /** Metric to start from (warm start). */
  startMetric?: linalg.Matrix;
  /** Re-check convergence with the exact Hessian (see `MigradOptions.verifyMetric`). */
  verifyMetric?: boolean;
}

/** Result of `fitModel`. */
export interface FitResult {
  bestfit: number[];
  /** −2 log L at the best fit (pyhf `twice_nll`), float64. */
  twiceNll: number;
  edm: number;
  converged: boolean;
  iterations: number;
  /** HESSE uncertainties (0 for fixed parameters) when requested. */
  uncertainties?: number[];
  covariance?: linalg.Matrix;
  correlation?: linalg.Matrix;
  metric: linalg.Matrix;
}

/**
 * Fits `model` to `data` (pyhf's `mle.fit` / `mle.fixed_poi_fit`).
 *
 * @example
 * ```ts
 * const model = HistFactoryModel.fromJSON(ws);
 * const r = fitModel(model, model.observedData(), { hesse: true });
 * r.bestfit[model.poiIndex]; r.uncertainties[model.poiIndex];
 * ```
 */
export function fitModel(model: HistFactoryModel, data: ModelData, options: FitOptions = {}): FitResult {
  const init = (options.init ?? model.suggestedInit()).slice();
  const bounds = options.bounds ?? model.suggestedBounds();
  const fixed = (options.fixed ?? model.suggestedFixed()).slice();
  if (options.fixPoi !== undefined) {
    init[model.poiIndex] = options.fixPoi;
    fixed[model.poiIndex] = true;
  }
  const obj = new ModelObjective(model, data);
  try {
    const clamped = init.map((v, i) => (fixed[i] ? v : Math.min(bounds[i][1], Math.max(bounds[i][0], v))));
    const r = migrad(obj, clamped, { bounds, fixed, tol: options.tol ?? 1e-5, errordef: 0.5, startMetric: options.startMetric, verifyMetric: options.verifyMetric });
    const out: FitResult = { bestfit: r.x, twiceNll: 2 * r.fval, edm: r.edm, converged: r.converged, iterations: r.iterations, metric: r.metric };
    if (options.hesse) {
      const h = hesse(obj.hessian(r.x), fixed, 0.5);
      out.uncertainties = h.errors;
      out.covariance = h.covariance;
      out.correlation = h.correlation;
    }
    return out;
  } finally {
    obj.dispose();
  }
}
