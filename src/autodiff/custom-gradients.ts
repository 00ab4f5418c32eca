/**
 * Custom-gradient building blocks: stop-gradient, straight-through estimators,
 * gradient checkpointing and gradient clipping. All are tensor-level and
 * compose with the transforms of `transforms.ts`.
 */
import { tf, type Tensor } from './tf.js';
import { DomainError } from './errors.js';
import { withPreservedTape } from './nested-tape.js';

/**
 * Defines an op by its forward value and its vector-Jacobian product, as
 * `jax.custom_vjp`: `f(...inputs)` returns `{ value, gradFunc }` where
 * `gradFunc(dy)` gives the gradient for each input. The forward pass is not
 * taped. A typed wrapper of tfjs's `customGrad`.
 */
export function customGradient(
  f: (...inputs: Tensor[]) => { value: Tensor; gradFunc: (dy: Tensor) => Tensor | Tensor[] },
): (...inputs: Tensor[]) => Tensor {
  const op = tf.customGrad(((...args: unknown[]) => {
    const inputs = args.slice(0, -1) as Tensor[];
    // Copies of the inputs are kept on the tape: when the inputs are
    // intermediates of a scope that has ended before the backward pass (a tidy
    // inside the differentiated function, the inner pass of a hessian or jvp),
    // the gradient is rebuilt from the copies instead of the disposed inputs.
    (args[args.length - 1] as (ts: Tensor[]) => void)(inputs);
    const r = f(...inputs);
    return {
      value: r.value,
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
        const d = Array.isArray(dy) ? dy[0] : dy;
        if (!inputs.some((t) => t.isDisposed)) return r.gradFunc(d);
        return f(...saved).gradFunc(d);
      },
    };
  }) as never);
  return (...xs: Tensor[]) => op(...xs) as Tensor;
}

/** Identity in the forward pass, zero gradient. */
export function stopGradient(x: Tensor): Tensor {
  return customGradient((a) => ({ value: a.clone(), gradFunc: (dy) => tf.zerosLike(dy) }))(x);
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
    const op = customGradient((...inputs: Tensor[]) => {
      // Inside a custom op's forward nothing is taped; tidy frees the intermediates.
      const value = tf.tidy(() => f(...inputs));
      return {
        value,
        gradFunc: (up) => withPreservedTape(() => tf.grads((...ins: Tensor[]) => tf.sum(tf.mul(f(...ins), up)))(inputs)),
      };
    });
    return op(...xs);
  };
}

/**
 * Identity in the forward pass; in the backward pass the incoming gradient is
 * rescaled so its L2 norm is at most `maxNorm` (per tensor).
 */
export function clipGradientNorm(x: Tensor, maxNorm: number): Tensor {
  if (!(maxNorm > 0)) throw new DomainError('maxNorm', maxNorm, 'must be positive');
  return customGradient((a) => ({
    value: a.clone(),
    gradFunc: (dy) => {
      const norm = tf.norm(dy);
      const scale = tf.minimum(tf.scalar(1), tf.div(maxNorm, tf.maximum(norm, 1e-30)));
      return tf.mul(dy, scale);
    },
  }))(x);
}

/** Identity in the forward pass; the backward gradient is clipped elementwise to [lo, hi]. */
export function clipGradientValue(x: Tensor, lo: number, hi: number): Tensor {
  if (!(lo < hi)) throw new DomainError('clip range', [lo, hi], 'need lo < hi');
  return customGradient((a) => ({ value: a.clone(), gradFunc: (dy) => tf.clipByValue(dy, lo, hi) }))(x);
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
