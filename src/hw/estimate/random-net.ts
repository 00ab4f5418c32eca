/**
 * Reproducible random dense networks for calibrating and testing the
 * resource estimator: uniformly random weight codes (every bit pattern of the
 * weight type equally likely, as "random W-bit weights"), a given fraction of
 * them zeroed, ReLU between dense layers. The same spec always gives the same
 * IR, so a calibration table can store specs instead of networks.
 *
 * @example
 * ```ts
 * const ir = randomDenseNet({ seed: 1, sizes: [16, 64, 32, 32, 5], weightBits: 6, sparsity: 0.75 });
 * ```
 */
import { DomainError, prngKey } from '../../autodiff/index.js';
import { type FloatLayer, type ModelIR, quantizeModel } from '../ir.js';

export interface RandomNetSpec {
  seed: number;
  /** Layer sizes, inputs first: [16, 64, 32, 32, 5]. */
  sizes: number[];
  /** Weight width; weights are ap_fixed<weightBits, 1>. */
  weightBits: number;
  /** Fraction of weights set to zero, in [0, 1). Nested: a larger sparsity zeroes a superset. */
  sparsity?: number;
  /** Input type (default ap_fixed<16,6>). */
  input?: string;
  /** Model default precision: bias, dense result and ReLU types (default ap_fixed<16,6>). */
  precision?: string;
}

/** The IR of a random dense network (overflow-free default accumulators). */
export function randomDenseNet(spec: RandomNetSpec): ModelIR {
  const { sizes, weightBits } = spec;
  const sparsity = spec.sparsity ?? 0;
  if (!(sparsity >= 0 && sparsity < 1)) throw new DomainError('spec.sparsity', sparsity, 'a fraction in [0, 1)');
  if (!Number.isInteger(weightBits) || weightBits < 2 || weightBits > 32) throw new DomainError('spec.weightBits', weightBits, 'an integer in [2, 32]');
  if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new DomainError('spec.sizes', sizes.join(','), 'at least two positive integer sizes');
  const key = prngKey(spec.seed);
  const span = 2 ** weightBits;
  const lsb = 2 ** -(weightBits - 1);
  const layers: FloatLayer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [nIn, nOut] = [sizes[l], sizes[l + 1]];
    const code = key.fold(`w${l}`).uniforms(nIn * nOut);
    const keep = key.fold(`mask${l}`).uniforms(nIn * nOut);
    const b = key.fold(`b${l}`).normals(nOut);
    const weights = Array.from({ length: nIn }, (_, i) =>
      Array.from({ length: nOut }, (_, j) => {
        const k = i * nOut + j;
        return keep[k] < sparsity ? 0 : (Math.floor(code[k] * span) - span / 2) * lsb;
      }),
    );
    layers.push({ kind: 'dense', name: `fc${l}`, weights, bias: Array.from(b, (v) => 0.5 * v), weightType: `ap_fixed<${weightBits},1>` });
    if (l + 2 < sizes.length) layers.push({ kind: 'relu', name: `relu${l}` });
  }
  return quantizeModel(
    { name: `rand${spec.seed}_${sizes.join('x')}_w${weightBits}_s${Math.round(sparsity * 100)}`, nIn: sizes[0], layers },
    { precision: spec.precision ?? 'ap_fixed<16,6>', inputType: spec.input ?? 'ap_fixed<16,6>' },
  );
}
