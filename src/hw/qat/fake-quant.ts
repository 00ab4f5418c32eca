/**
 * Fake quantization for quantization-aware training: the forward value is
 * the input cast to a fixed-point type (same quantization and overflow rules
 * as the exact casts of ap-fixed.ts, computed in float32 on tensors), the
 * gradient is straight-through: the identity where the input lies inside the
 * type's range, zero where it saturates or wraps (so training learns to keep
 * values in range). Tensor-level: call it inside differentiated code.
 *
 * Exactness: float32 holds integers up to 2^24, so the forward value equals
 * `castRaw` when |x| * 2^F < 2^24 and W <= 24; wider types are a close
 * approximation during training, the exact casts are applied at export.
 *
 * @example
 * ```ts
 * const t = parseFixed('ap_fixed<6,1,AP_RND_CONV,AP_SAT>');
 * const wq = fakeQuant(w, t); // w rounded to 1/32 steps in [-1, 31/32]
 * ```
 */
import { customGradient, DomainError, tf, type Tensor } from '../../autodiff/index.js';
import { type FixedType, fracBits, rawRange } from '../fixed/ap-fixed.js';

/** Rounds the scaled values `s` to integers by quantization mode. */
function roundByMode(s: Tensor, t: FixedType): Tensor {
  const half = tf.scalar(0.5);
  switch (t.quant) {
    case 'TRN':
      return tf.floor(s);
    case 'TRN_ZERO':
      return tf.mul(tf.sign(s), tf.floor(tf.abs(s)));
    case 'RND':
      return tf.floor(tf.add(s, half));
    case 'RND_MIN_INF':
      return tf.ceil(tf.sub(s, half));
    case 'RND_ZERO':
      return tf.where(tf.greater(s, 0), tf.ceil(tf.sub(s, half)), tf.floor(tf.add(s, half)));
    case 'RND_INF':
      return tf.mul(tf.sign(s), tf.floor(tf.add(tf.abs(s), half)));
    case 'RND_CONV': {
      // Ties to even, written out rather than relying on a backend's round().
      const fl = tf.floor(s);
      const d = tf.sub(s, fl);
      const odd = tf.notEqual(tf.mod(fl, 2), 0);
      const up = tf.logicalOr(tf.greater(d, half), tf.logicalAnd(tf.equal(d, half), odd));
      return tf.add(fl, tf.cast(up, 'float32'));
    }
  }
}

/** The quantized value (forward) of `x` for type `t`; `inRange` marks elements whose rounded value needs no overflow handling. */
function quantizeValue(x: Tensor, t: FixedType): { value: Tensor; inRange: Tensor } {
  const scale = 2 ** fracBits(t);
  const { min, max } = rawRange(t);
  const lo = t.overflow === 'SAT_SYM' && t.signed ? -Number(max) : Number(min);
  const hi = Number(max);
  const q = roundByMode(tf.mul(x, scale), t);
  const inRange = tf.logicalAnd(tf.greaterEqual(q, lo), tf.lessEqual(q, hi));
  let out: Tensor;
  switch (t.overflow) {
    case 'SAT':
    case 'SAT_SYM':
      out = tf.clipByValue(q, lo, hi);
      break;
    case 'SAT_ZERO':
      out = tf.where(inRange, q, tf.zerosLike(q));
      break;
    case 'WRAP': {
      const span = 2 ** t.width;
      out = tf.add(tf.mod(tf.sub(q, Number(min)), span), Number(min));
      break;
    }
  }
  return { value: tf.div(out, scale), inRange };
}

/**
 * Fake-quantizes `x` to type `t` with a straight-through gradient that is the
 * identity inside the range and zero where the value overflows.
 */
export function fakeQuant(x: Tensor, t: FixedType): Tensor {
  if (t.width > 52) throw new DomainError('type.W', t.width, 'fake quantization on float tensors supports W <= 52');
  return customGradient((a: Tensor) => {
    const { value } = quantizeValue(a, t);
    // The range mask is rebuilt from the input in the backward pass (forward intermediates are not kept).
    return { value, gradFunc: (dy: Tensor) => tf.mul(dy, tf.cast(quantizeValue(a, t).inRange, 'float32')) };
  })(x);
}
