/**
 * First-order optimizers on one flat tensor u (the unconstrained vector of a
 * parameter set): Adam (Kingma & Ba, arXiv:1412.6980; decoupled weight decay
 * as AdamW, arXiv:1711.05101) and SGD with (Nesterov) momentum. An optimizer
 * is a pair of pure functions: `init(u)` and `update(u, g, state)`; the state
 * holds tensors that the caller owns (see `minimize`, which manages them).
 */
import { tf, type Tensor } from '../tf.js';
import { asSchedule, type Schedule } from './schedules.js';
import { DiffhepError, DomainError } from '../errors.js';

/** Optimizer state: moment tensors and the step count. */
export interface OptimizerState {
  tensors: Tensor[];
  step: number;
}

/** A first-order optimizer. */
export interface Optimizer {
  name: string;
  /** Learning rate at a step (reported to `minimize`'s callback; optional for custom optimizers). */
  learningRate?: Schedule;
  /** Fresh state for a vector shaped like u. */
  init(u: Tensor): OptimizerState;
  /** One step: new u and new state (the inputs are not disposed). */
  update(u: Tensor, g: Tensor, state: OptimizerState): { u: Tensor; state: OptimizerState };
  /** Serializable state: plain arrays holding the float32 values exactly. */
  toJSON(state: OptimizerState): unknown;
  /** Inverse of toJSON (new tensors, owned by the caller); `like` fixes the shape, default 1-D. */
  fromJSON(json: unknown, like?: Tensor): OptimizerState;
}

function serialize(state: OptimizerState): { step: number; tensors: number[][] } {
  return { step: state.step, tensors: state.tensors.map((t) => Array.from(t.dataSync())) };
}

function deserialize(json: unknown, like: Tensor | undefined, count: number, name: string): OptimizerState {
  const j = json as { step?: unknown; tensors?: unknown };
  if (!j || typeof j !== 'object' || !(Number.isInteger(j.step) && (j.step as number) >= 0) || !Array.isArray(j.tensors) || j.tensors.length !== count) {
    throw new DiffhepError(`malformed ${name} optimizer state: expected {step: integer ≥ 0, tensors: [${count} arrays]}, got step ${String(j?.step)}`, 'optimizer.state');
  }
  const arrays = j.tensors as unknown[];
  const size = like ? like.size : Array.isArray(arrays[0]) ? (arrays[0] as unknown[]).length : -1;
  arrays.forEach((a, i) => {
    if (!Array.isArray(a) || a.length !== size) throw new DiffhepError(`${name} state tensor ${i} has ${Array.isArray(a) ? a.length : 'no'} values, expected ${size}`, `optimizer.state.tensors[${i}]`);
    const bad = a.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad >= 0) throw new DiffhepError(`${name} state tensor ${i} element ${bad} is ${String(a[bad])} (expected a finite number)`, `optimizer.state.tensors[${i}][${bad}]`);
  });
  const shape = like ? like.shape : [size];
  return { step: j.step as number, tensors: arrays.map((a) => tf.tensor(Float32Array.from(a as number[]), shape)) };
}

/** Options of Adam. */
export interface AdamOptions {
  learningRate?: number | Schedule;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Decoupled weight decay (AdamW). Default 0. */
  weightDecay?: number;
}

/**
 * Adam. Defaults: learning rate 1e-2 (physics parameters in unconstrained
 * units are O(1)), β₁ 0.9, β₂ 0.999, ε 1e-8.
 *
 * @example
 * ```ts
 * const opt = adam({ learningRate: cosineDecay(0.05, 1000), weightDecay: 1e-4 });
 * minimize(loss, params, { optimizer: opt, steps: 1000 });
 * ```
 */
export function adam(opts: AdamOptions = {}): Optimizer {
  const lr = asSchedule(opts.learningRate ?? 1e-2);
  const b1 = opts.beta1 ?? 0.9;
  const b2 = opts.beta2 ?? 0.999;
  const eps = opts.epsilon ?? 1e-8;
  const wd = opts.weightDecay ?? 0;
  if (!(eps >= 0)) throw new DomainError('epsilon', eps, 'must be ≥ 0');
  if (!(wd >= 0)) throw new DomainError('weightDecay', wd, 'must be ≥ 0');
  if (!(b1 >= 0 && b1 < 1)) throw new DomainError('beta1', b1, 'must be in [0, 1)');
  if (!(b2 >= 0 && b2 < 1)) throw new DomainError('beta2', b2, 'must be in [0, 1)');
  return {
    name: 'adam',
    learningRate: lr,
    init: (u) => ({ tensors: [tf.zerosLike(u), tf.zerosLike(u)], step: 0 }),
    update: (u, g, state) => {
      const t = state.step + 1;
      const a = lr(state.step);
      const out = tf.tidy(() => {
        const [m0, v0] = state.tensors;
        const m = tf.add(tf.mul(b1, m0), tf.mul(1 - b1, g));
        const v = tf.add(tf.mul(b2, v0), tf.mul(1 - b2, tf.square(g)));
        const mHat = tf.div(m, 1 - Math.pow(b1, t));
        const vHat = tf.div(v, 1 - Math.pow(b2, t));
        let next = tf.sub(u, tf.mul(a, tf.div(mHat, tf.add(tf.sqrt(vHat), eps))));
        if (wd) next = tf.sub(next, tf.mul(a * wd, u));
        return [next, m, v];
      });
      return { u: out[0], state: { tensors: [out[1], out[2]], step: t } };
    },
    toJSON: serialize,
    fromJSON: (json, like) => deserialize(json, like, 2, 'adam'),
  };
}

/** Options of SGD. */
export interface SgdOptions {
  learningRate?: number | Schedule;
  momentum?: number;
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent with optional (Nesterov) momentum
 * (v ← μv + g; u ← u − lr·(nesterov ? g + μv : v), as PyTorch and optax).
 *
 * @example
 * ```ts
 * minimize(loss, params, { optimizer: sgd({ learningRate: 0.02, momentum: 0.9, nesterov: true }), steps: 300 });
 * ```
 */
export function sgd(opts: SgdOptions = {}): Optimizer {
  const lr = asSchedule(opts.learningRate ?? 1e-2);
  const mu = opts.momentum ?? 0;
  if (!(mu >= 0 && mu < 1)) throw new DomainError('momentum', mu, 'must be in [0, 1)');
  const nesterov = opts.nesterov ?? false;
  return {
    name: 'sgd',
    learningRate: lr,
    init: (u) => ({ tensors: [tf.zerosLike(u)], step: 0 }),
    update: (u, g, state) => {
      const a = lr(state.step);
      const out = tf.tidy(() => {
        const v = tf.add(tf.mul(mu, state.tensors[0]), g);
        const dir = nesterov ? tf.add(g, tf.mul(mu, v)) : v;
        return [tf.sub(u, tf.mul(a, dir)), v];
      });
      return { u: out[0], state: { tensors: [out[1]], step: state.step + 1 } };
    },
    toJSON: serialize,
    fromJSON: (json, like) => deserialize(json, like, 1, 'sgd'),
  };
}
