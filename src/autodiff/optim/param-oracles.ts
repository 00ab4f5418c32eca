/**
 * Oracles that let the host-side optimizers (L-BFGS, damped Newton) work on a
 * ParamSet in its unconstrained space: value and gradient (and Hessian) of a
 * loss as a function of the unconstrained vector u, from the core's autodiff.
 */
import { tf, type Tensor } from '../tf.js';
import type { ParamSet } from '../params.js';
import type { Tree } from '../tree.js';
import { hessian } from '../transforms.js';
import { DiffhepError, NonFiniteError } from '../errors.js';
import type { ValueAndGradFn } from './lbfgs.js';
import type { ValueGradHessFn } from './newton.js';

/**
 * u ↦ { value, grad } of `loss(params.physicalTree(u))`; a non-finite value or
 * gradient throws NonFiniteError naming the parameter.
 *
 * @example
 * ```ts
 * const r = lbfgs(fgFromParamSet(nll, ps), ps.unconstrainedVector());
 * ps.setUnconstrained(r.x);
 * ```
 */
export function fgFromParamSet(loss: (p: Tree<Tensor>) => Tensor, params: ParamSet): ValueAndGradFn {
  const names = params.trainableNames();
  return (u) => {
    if (u.length !== names.length) throw new DiffhepError(`unconstrained vector has length ${u.length}, expected ${names.length} (${names.join(', ')})`, 'u');
    // A loss that throws while the tape records would leave tfjs scopes open: record the error, finish, rethrow.
    let lossError: unknown = null;
    const [value, grad] = tf.tidy(() => {
      const ut = tf.tensor1d(Float32Array.from(u));
      const r = tf.valueAndGrad((v: Tensor) => {
        try {
          const y = loss(params.physicalTree(v));
          if (y.size !== 1) throw new DiffhepError(`the loss must be a scalar, got shape [${y.shape.join(', ')}]`, 'loss');
          return tf.add(y.reshape([]), tf.mul(0, tf.sum(v)));
        } catch (e) {
          lossError = e;
          return tf.mul(0, tf.sum(v));
        }
      })(ut);
      return [r.value, r.grad];
    });
    const out = { value: value.dataSync()[0], grad: Float64Array.from(grad.dataSync()) };
    value.dispose();
    grad.dispose();
    if (lossError) throw lossError;
    const at = () => names.map((n, i) => `${n} = ${u[i].toPrecision(6)}`).slice(0, 8).join(', ');
    if (!Number.isFinite(out.value)) throw new NonFiniteError('loss', out.value, `at unconstrained ${at()}, value`);
    const bad = out.grad.findIndex((g) => !Number.isFinite(g));
    if (bad >= 0) throw new NonFiniteError(names[bad], out.grad[bad], `at unconstrained ${at()}, gradient`);
    return out;
  };
}

/**
 * u ↦ { value, grad, hessian } of `loss(params.physicalTree(u))` (reverse-over-reverse
 * Hessian). The loss is float32: pass `fPrecision: 1e-6` to `dampedNewton`.
 *
 * @example
 * ```ts
 * const r = dampedNewton(fghFromParamSet(nll, ps), ps.unconstrainedVector(), { gtol: 1e-3, fPrecision: 1e-6 });
 * ```
 */
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
