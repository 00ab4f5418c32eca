/**
 * Gradients tfjs does not define.
 *
 * - Einsum, so that tensor contractions (an MLP layer written as
 *   'bi,ij->bj', a pixel-response sum) are differentiable. For operand k with
 *   subscripts s_k, the gradient is the einsum of the output cotangent with
 *   the other operands back to s_k; indices that appear only in s_k were
 *   summed over, so the gradient is broadcast along them.
 * - Comparisons and logical ops (Equal, Greater, LogicalAnd, IsNan, ...):
 *   zero. The gradients of max, min, maximum, minimum and clipByValue build
 *   masks with them, so without these every second derivative through those
 *   ops (logSumExp, smooth maxima, clipped fits) failed.
 *
 * Complex-valued ops (Complex, Real, Imag, FFT, IFFT) stay without
 * gradients: the tfjs tape rejects any gradient that is not float32.
 */
import { tf, type Tensor } from './tf.js';
import { DiffhepError } from './errors.js';

/** Gradients of `einsum(equation, ...operands)` for explicit-output equations without repeated indices in one operand. */
export function einsumGradients(equation: string, dy: Tensor, operands: Tensor[]): Record<string, () => Tensor> {
  const eq = equation.replace(/\s/g, '');
  const arrow = eq.indexOf('->');
  if (arrow < 0) throw new DiffhepError(`einsum gradient needs an explicit output ('...->...'), got '${equation}'`, 'equation');
  const ins = eq.slice(0, arrow).split(',');
  const out = eq.slice(arrow + 2);
  const grads: Record<string, () => Tensor> = {};
  ins.forEach((sub, k) => {
    if (new Set(sub).size !== sub.length) throw new DiffhepError(`einsum gradient: repeated index in operand ${k} of '${equation}'`, 'equation');
    const others = ins.filter((_, j) => j !== k);
    const seen = new Set([...out, ...others.join('')]);
    const kept = [...sub].filter((c) => seen.has(c)).join('');
    grads[k] = () => {
      let g = tf.einsum(`${[out, ...others].join(',')}->${kept}`, dy, ...operands.filter((_, j) => j !== k));
      if (kept.length !== sub.length) {
        const shape = [...sub].map((c, i) => (seen.has(c) ? operands[k].shape[i] : 1));
        g = tf.broadcastTo(g.reshape(shape), operands[k].shape);
      }
      return g;
    };
  });
  return grads;
}

const COMPARISONS: Record<string, string[]> = {
  Equal: ['a', 'b'],
  NotEqual: ['a', 'b'],
  Greater: ['a', 'b'],
  GreaterEqual: ['a', 'b'],
  Less: ['a', 'b'],
  LessEqual: ['a', 'b'],
  LogicalAnd: ['a', 'b'],
  LogicalOr: ['a', 'b'],
  LogicalXor: ['a', 'b'],
  LogicalNot: ['x'],
  IsNan: ['x'],
  IsInf: ['x'],
  IsFinite: ['x'],
};

let registered = false;

/** Registers the gradients above (only for kernels tfjs leaves without one). Idempotent. */
export function registerMissingGradients(): void {
  if (registered) return;
  if (!tf.getGradient('Einsum')) {
    tf.registerGradient({
      kernelName: 'Einsum',
      saveAllInputs: true,
      gradFunc: (dy, saved, attrs) => einsumGradients((attrs as { equation: string }).equation, dy as Tensor, saved),
    });
  }
  for (const [kernelName, inputs] of Object.entries(COMPARISONS)) {
    if (tf.getGradient(kernelName)) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: inputs,
      // float32 zeros even for integer or boolean inputs: the tape accepts only float32 gradients
      gradFunc: (_dy, saved) => Object.fromEntries(inputs.map((name, i) => [name, () => tf.zeros(saved[i].shape, 'float32')])),
    });
  }
  registered = true;
}
