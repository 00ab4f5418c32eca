/**
 * Oracles that let the host-side optimizers (L-BFGS, damped Newton) work on a
 * ParamSet in its unconstrained space: value and gradient (and Hessian) of a
 * loss as a function of the unconstrained vector u, from the core's autodiff.
 */
import { tf, type Tensor } from '../tf.js';
import type { ParamSet } from '../params.js';
import type { Tree } from '../tree.js';
import { hessian } from '../transforms.js';
import type { ValueAndGradFn } from './lbfgs.js';
import type { ValueGradHessFn } from './newton.js';

/** u ↦ { value, grad } of `loss(params.physicalTree(u))`. */
export function fgFromParamSet(loss: (p: Tree<Tensor>) => Tensor, params: ParamSet): ValueAndGradFn {
  return (u) => {
    const [value, grad] = tf.tidy(() => {
      const ut = tf.tensor1d(Float32Array.from(u));
      const r = tf.valueAndGrad((v: Tensor) => loss(params.physicalTree(v)).reshape([]))(ut);
      return [r.value, r.grad];
    });
    const out = { value: value.dataSync()[0], grad: Float64Array.from(grad.dataSync()) };
    value.dispose();
    grad.dispose();
    return out;
  };
}

/** u ↦ { value, grad, hessian } of `loss(params.physicalTree(u))` (reverse-over-reverse Hessian). */
export function fghFromParamSet(loss: (p: Tree<Tensor>) => Tensor, params: ParamSet): ValueGradHessFn {
  return (u) => {
    const ut = tf.tensor1d(Float32Array.from(u));
    try {
      const h = hessian((p) => loss(params.physicalTree((p as { u: Tensor }).u)))({ u: ut });
      return { value: h.value, grad: Float64Array.from(h.gradient), hessian: h.matrix };
    } finally {
      ut.dispose();
    }
  };
}
