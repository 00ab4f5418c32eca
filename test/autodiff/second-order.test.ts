/**
 * Second derivatives through kernels whose backward pass reads their saved
 * output (exp, sigmoid, tanh, softmax, log-softmax, pow in its exponent,
 * custom ops), through max/maximum/clip (whose gradients use comparison
 * masks), and one-parameter Hessians — all were wrong or failing before the
 * fixes in nested-tape.ts and missing-gradients.ts.
 */
import fc from 'fast-check';
import { tf, hessian, implicitArgmin, customGradient, checkpoint, sumPrecise, type Tensor, type Tree } from '../../src/autodiff/index.js';
import { propertyParams, arbFloat32 } from '../../src/autodiff/testing/index.js';
import { assertClose } from './helpers.js';

const sig = (x: number) => 1 / (1 + Math.exp(-x));

// f(x) and its exact second derivative.
const cases: { name: string; f: (x: Tensor) => Tensor; d2: (x: number) => number }[] = [
  { name: 'exp(-2x)', f: (x) => tf.exp(tf.mul(-2, x)), d2: (x) => 4 * Math.exp(-2 * x) },
  { name: 'x·exp(x)', f: (x) => tf.mul(x, tf.exp(x)), d2: (x) => (x + 2) * Math.exp(x) },
  { name: 'sigmoid(x)', f: (x) => tf.sigmoid(x), d2: (x) => sig(x) * (1 - sig(x)) * (1 - 2 * sig(x)) },
  { name: 'tanh(x)', f: (x) => tf.tanh(x), d2: (x) => -2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2) },
  { name: '2^x (pow exponent)', f: (x) => tf.pow(tf.scalar(2), x), d2: (x) => Math.LN2 ** 2 * 2 ** x },
  {
    name: 'softmax([x, 0])[0]',
    f: (x) => tf.softmax(tf.stack([x, tf.scalar(0)])).slice([0], [1]).sum(),
    d2: (x) => sig(x) * (1 - sig(x)) * (1 - 2 * sig(x)),
  },
  {
    name: 'logSoftmax([x, 0])[0]',
    f: (x) => tf.logSoftmax(tf.stack([x, tf.scalar(0)])).slice([0], [1]).sum(),
    d2: (x) => -sig(x) * (1 - sig(x)),
  },
  // ops whose gradients build comparison masks (Equal, GreaterEqual, LogicalAnd): the masks need (zero) gradients
  { name: 'logSumExp([x, 0])', f: (x) => tf.logSumExp(tf.stack([x, tf.scalar(0)])), d2: (x) => sig(x) * (1 - sig(x)) },
  { name: 'max([x², 0.5])', f: (x) => tf.max(tf.stack([tf.square(x), tf.scalar(0.5)])), d2: (x) => (x * x > 0.5 ? 2 : 0) },
  { name: 'maximum(x, 0.5)·x', f: (x) => tf.mul(tf.maximum(x, 0.5), x), d2: (x) => (x > 0.5 ? 2 : 0) },
  { name: 'clipByValue(x, -1, 1)³', f: (x) => tf.pow(tf.clipByValue(x, -1, 1), 3), d2: (x) => (Math.abs(x) < 1 ? 6 * x : 0) },
  {
    // a custom op whose backward pass reads its forward output: y = eˣ, dy/dx = y
    name: 'custom exp',
    f: (x) => customGradient((a) => { const y = tf.exp(a); return { value: y, gradFunc: (dy) => tf.mul(dy, tf.exp(a)) }; })(x),
    d2: (x) => Math.exp(x),
  },
];

describe('second derivatives', () => {
  for (const c of cases) {
    it(`hessian of ${c.name} equals its analytic second derivative (property, one parameter)`, () => {
      fc.assert(
        fc.property(arbFloat32(-1.5, 1.5), (x) => {
          const h = hessian((t: Tree<Tensor>) => c.f((t as { x: Tensor }).x))({ x });
          assertClose(h.matrix[0][0], c.d2(x), 1e-4, 1e-5, `${c.name}'' at ${x}`);
        }),
        propertyParams(8, 201),
      );
    });
  }

  it('implicitArgmin works for a one-dimensional argmin whose loss uses exp', () => {
    // x*(a) = argmin eˣ − a·x = ln a, so dx*/da = 1/a
    const argmin = implicitArgmin({ loss: (x, a) => tf.sub(tf.sum(tf.exp(x)), tf.sum(tf.mul(a, x))), solve: ([a]) => [Math.log(a[0])] });
    const g = tf.tidy(() => tf.grad((a: Tensor) => tf.sum(argmin(a)))(tf.tensor1d([2.5])).dataSync()[0]);
    assertClose(g, 1 / 2.5, 1e-4, 1e-6, 'dx*/da');
  });

  it('custom ops whose inputs come from an inner tidy still differentiate (checkpoint, sumPrecise), once and twice', () => {
    const x = tf.tensor1d([0.2, -0.4, 0.9]);
    const g = tf.tidy(() => Array.from(tf.grad((v: Tensor) => tf.tidy(() => tf.sum(checkpoint((a) => tf.exp(a))(tf.mul(v, 2)))))(x).dataSync()));
    [0.2, -0.4, 0.9].forEach((xi, i) => assertClose(g[i], 2 * Math.exp(2 * xi), 1e-5, 1e-6, `d/dx checkpoint[${i}]`));
    // Hessian of Σ e^{2x} through checkpoint and of (Σ x²)² through sumPrecise
    const h1 = hessian((t: Tree<Tensor>) => tf.sum(checkpoint((a) => tf.exp(a))(tf.mul((t as { v: Tensor }).v, 2))))({ v: x });
    const h2 = hessian((t: Tree<Tensor>) => tf.square(sumPrecise(tf.square((t as { v: Tensor }).v))))({ v: x });
    const xs = [0.2, -0.4, 0.9];
    const s2 = xs.reduce((a, b) => a + b * b, 0);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        assertClose(h1.matrix[i][j], i === j ? 4 * Math.exp(2 * xs[i]) : 0, 1e-4, 1e-6, `checkpoint H[${i}][${j}]`);
        assertClose(h2.matrix[i][j], 8 * xs[i] * xs[j] + (i === j ? 4 * s2 : 0), 1e-4, 1e-5, `sumPrecise H[${i}][${j}]`);
      }
    }
    x.dispose();
  });
});
