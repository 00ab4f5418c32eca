/**
 * Transforms between a parameter's physical value and the unconstrained value
 * an optimizer moves: identity, log (positive quantities such as a lifetime)
 * and a bounded sigmoid (a quantity confined to [lo, hi], such as a
 * recombination constant within its fit range). Each has a number form (for
 * setting and reading values) and a tensor form (inside differentiated code).
 */
import { tf, type Tensor } from './tf.js';

/** Name of a parameter transform. */
export type TransformName = 'identity' | 'log' | 'sigmoid';

/** A transform x = forward(u) from unconstrained u to physical x. */
export interface Bijector {
  name: TransformName;
  /** u -> x on numbers. */
  forward(u: number): number;
  /** x -> u on numbers. */
  inverse(x: number): number;
  /** u -> x on tensors (differentiable). */
  forwardTensor(u: Tensor): Tensor;
  /** dx/du at u, for turning covariances of u into covariances of x. */
  derivative(u: number): number;
  /** d^2x/du^2 at u, for turning a Hessian in u into one in x (its gradient term). */
  secondDerivative(u: number): number;
}

/** The bijector for a transform name and bounds. */
export function bijector(name: TransformName, bounds?: readonly [number, number]): Bijector {
  switch (name) {
    case 'identity':
      return {
        name,
        forward: (u) => u,
        inverse: (x) => x,
        forwardTensor: (u) => u,
        derivative: () => 1,
        secondDerivative: () => 0,
      };
    case 'log':
      return {
        name,
        forward: (u) => Math.exp(u),
        inverse: (x) => Math.log(x),
        forwardTensor: (u) => tf.exp(u),
        derivative: (u) => Math.exp(u),
        secondDerivative: (u) => Math.exp(u),
      };
    case 'sigmoid': {
      if (!bounds) throw new Error('the sigmoid transform needs bounds [lo, hi]');
      const [lo, hi] = bounds;
      const w = hi - lo;
      const sig = (u: number) => (u >= 0 ? 1 / (1 + Math.exp(-u)) : Math.exp(u) / (1 + Math.exp(u)));
      return {
        name,
        forward: (u) => lo + w * sig(u),
        inverse: (x) => {
          const p = (x - lo) / w;
          return Math.log(p) - Math.log1p(-p);
        },
        forwardTensor: (u) => tf.add(lo, tf.mul(w, tf.sigmoid(u))),
        derivative: (u) => {
          const s = sig(u);
          return w * s * (1 - s);
        },
        secondDerivative: (u) => {
          const s = sig(u);
          return w * s * (1 - s) * (1 - 2 * s);
        },
      };
    }
  }
}
