/**
 * `diffhep/autodiff`: the one autodiff core every stage of diffhep is written
 * against. Importing it starts the backend (tensorflow, else wasm, else cpu;
 * `DIFFHEP_BACKEND` overrides).
 *
 * @example
 * ```ts
 * import { tf, valueAndGrad } from 'diffhep/autodiff';
 * const { value, grad } = valueAndGrad((p) => tf.square(tf.sub(p.x, 2)))({ x: 0.5 });
 * // value 2.25, grad.x -3
 * ```
 */
import { ready } from './backend.js';

export { tf } from './tf.js';
export type { Tensor, Scalar } from './tf.js';
export * from './backend.js';
export * from './errors.js';
export * from './tree.js';
export * from './bijectors.js';
export * from './params.js';
export * from './transforms.js';
export * from './custom-gradients.js';
export * from './implicit.js';
export * from './precise-sum.js';
export * from './broadcast.js';
export * as linalg from './linalg.js';
export * as special from './special.js';
export * from './quadrature.js';
export * from './random/key.js';
export { fmix32 } from './random/hash.js';
export * from './random/samplers.js';
export * from './relax/index.js';
export * from './optim/index.js';
export * as nn from './nn/index.js';

await ready();
