/**
 * Custom-gradient building blocks: stop-gradient, straight-through estimators,
 * gradient checkpointing and gradient clipping. All are tensor-level and
 * compose with the transforms of `transforms.ts`.
 */
import { tf, type Tensor } from './tf.js';
import { DomainError } from './errors.js';
import { withPreservedTape } from './nested-tape.js';

/** Identity in the forward pass, zero gradient. */
export function stopGradient(x: Tensor): Tensor {
  const op = tf.customGrad((a: Tensor) => ({ value: a.clone(), gradFunc: (dy: Tensor) => tf.zerosLike(dy) }));
  return op(x) as Tensor;
}

/**
 * Straight-through estimator: the value of `forward(x)`, the gradient of the
 * identity. Written as x + stop(forward(x) - x), so it composes with
 * higher-order differentiation. Bias: the gradient ignores whatever `forward`
 * does (rounding, clamping); exact where `forward` is locally the identity.
 */
export function straightThrough(forward: (x: Tensor) => Tensor): (x: Tensor) => Tensor {
  return (x) => tf.add(x, stopGradient(tf.sub(forward(x), x)));
}

/**
 * Gradient checkpointing: `checkpoint(f)` computes the same values as `f`, but
 * keeps no intermediate tensors of `f` for the backward pass; they are
 * recomputed there. Use it around the memory-heavy stages of a long chain
 * (the pixel-response of a large batch of segments, say): memory falls to the
 * inputs and outputs of each checkpointed piece, at the cost of one more
 * forward pass.
 */
export function checkpoint(f: (...xs: Tensor[]) => Tensor): (...xs: Tensor[]) => Tensor {
  return (...xs: Tensor[]) => {
    const op = tf.customGrad((...args: unknown[]) => {
      const inputs = args.slice(0, xs.length) as Tensor[];
      // Inside customGrad's forward nothing is taped; tidy frees the intermediates.
      const value = tf.tidy(() => f(...inputs));
      return {
        value,
        gradFunc: (dy: Tensor | Tensor[]) => {
          const up = Array.isArray(dy) ? dy[0] : dy;
          return withPreservedTape(() => tf.grads((...ins: Tensor[]) => tf.sum(tf.mul(f(...ins), up)))(inputs));
        },
      };
    });
    return op(...xs) as Tensor;
  };
}

/**
 * Identity in the forward pass; in the backward pass the incoming gradient is
 * rescaled so its L2 norm is at most `maxNorm` (per tensor).
 */
export function clipGradientNorm(x: Tensor, maxNorm: number): Tensor {
  if (!(maxNorm > 0)) throw new DomainError('maxNorm', maxNorm, 'must be positive');
  const op = tf.customGrad((a: Tensor) => ({
    value: a.clone(),
    gradFunc: (dy: Tensor) => {
      const norm = tf.norm(dy);
      const scale = tf.minimum(tf.scalar(1), tf.div(maxNorm, tf.maximum(norm, 1e-30)));
      return tf.mul(dy, scale);
    },
  }));
  return op(x) as Tensor;
}

/** Identity in the forward pass; the backward gradient is clipped elementwise to [lo, hi]. */
export function clipGradientValue(x: Tensor, lo: number, hi: number): Tensor {
  if (!(lo < hi)) throw new DomainError('clip range', [lo, hi], 'need lo < hi');
  const op = tf.customGrad((a: Tensor) => ({ value: a.clone(), gradFunc: (dy: Tensor) => tf.clipByValue(dy, lo, hi) }));
  return op(x) as Tensor;
}

/**
 * Scales a list of gradients so that their global L2 norm is at most
 * `maxNorm` (as optax.clip_by_global_norm). Returns new tensors.
 */
export function clipByGlobalNorm(grads: Tensor[], maxNorm: number): Tensor[] {
  if (!(maxNorm > 0)) throw new DomainError('maxNorm', maxNorm, 'must be positive');
  return tf.tidy(() => {
    const sq = grads.map((g) => tf.sum(tf.square(g)));
    const norm = tf.sqrt(sq.length ? tf.addN(sq) : tf.scalar(0));
    const scale = tf.minimum(tf.scalar(1), tf.div(maxNorm, tf.maximum(norm, 1e-30)));
    return grads.map((g) => tf.mul(g, scale));
  });
}
