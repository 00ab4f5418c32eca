/**
 * `minimize`: gradient descent on a ParamSet. The optimizer moves the
 * unconstrained vector u of the trainable parameters (so bounds hold through
 * the sigmoid/log transforms; identity-transformed parameters with bounds are
 * projected back after each step). The loop owns every tensor it makes, so
 * memory stays flat over any number of steps; it checks each loss and
 * gradient for NaN/Inf (naming the parameter), supports early stopping, a
 * per-step callback (progress bars), gradient clipping, and atomic
 * checkpoints from which an interrupted run resumes to the same result.
 */
import { existsSync, readFileSync } from 'node:fs';
import { tf, type Tensor } from '../tf.js';
import { ParamSet, writeJsonAtomic } from '../params.js';
import type { Tree } from '../tree.js';
import { adam, type Optimizer, type OptimizerState } from './optimizer.js';
import { DiffhepError, NonFiniteError } from '../errors.js';
import type { PRNGKey } from '../random/key.js';

/** What the callback sees after each step. */
export interface StepInfo {
  step: number;
  loss: number;
  gradNorm: number;
  learningRate: number;
  /** The parameters after this step (computed when read). */
  readonly params: ParamSet;
}

/** Options of `minimize`. */
export interface MinimizeOptions {
  /** Default: adam({ learningRate: 1e-2 }). */
  optimizer?: Optimizer;
  /** Number of steps. */
  steps: number;
  /** Called after every step; return 'stop' to end the run. */
  callback?: (info: StepInfo) => void | 'stop';
  /** Stop when the loss has not improved by minDelta for `patience` steps; the best parameters are returned. */
  earlyStopping?: { patience: number; minDelta?: number };
  /** Clip the gradient (in u-space) to this global L2 norm. */
  clipNorm?: number;
  /** Write a checkpoint every `every` steps (default 50) to `path`; resume from it when it exists. */
  checkpoint?: { path: string; every?: number };
  /** Passed through for losses that draw minibatches with key.fold(step). */
  key?: PRNGKey;
}

/** Result of `minimize`. */
export interface MinimizeResult {
  params: ParamSet;
  history: { step: number; loss: number }[];
  steps: number;
  stoppedEarly: boolean;
  resumedFrom?: number;
  best: { step: number; loss: number };
}

interface CheckpointJSON {
  format: 'diffhep.checkpoint';
  version: 1;
  names: string[];
  nextStep: number;
  u: number[];
  optimizer: { name: string; state: unknown };
  history: { step: number; loss: number }[];
  best: { step: number; loss: number; u: number[] };
  sinceBest: number;
  params: unknown;
}

function projectionBounds(ps: ParamSet): { lo: Float32Array; hi: Float32Array } | null {
  const lo: number[] = [];
  const hi: number[] = [];
  let any = false;
  for (const e of ps.trainable) {
    for (let i = 0; i < e.values.length; i++) {
      if (e.def.transform === 'identity' && e.def.bounds) {
        lo.push(e.def.bounds[0]);
        hi.push(e.def.bounds[1]);
        any = true;
      } else {
        lo.push(-3e38);
        hi.push(3e38);
      }
    }
  }
  return any ? { lo: Float32Array.from(lo), hi: Float32Array.from(hi) } : null;
}

function readCheckpoint(path: string, names: string[], optimizer: Optimizer): CheckpointJSON | null {
  if (!existsSync(path)) return null;
  let j: CheckpointJSON;
  try {
    j = JSON.parse(readFileSync(path, 'utf8')) as CheckpointJSON;
  } catch (e) {
    throw new DiffhepError(`checkpoint '${path}' is not valid JSON (${(e as Error).message}); delete it to start afresh`, 'checkpoint');
  }
  if (j.format !== 'diffhep.checkpoint' || !Array.isArray(j.u) || !Array.isArray(j.names)) {
    throw new DiffhepError(`'${path}' is not a diffhep checkpoint`, 'checkpoint');
  }
  if (j.names.length !== names.length || j.names.some((n, i) => n !== names[i])) {
    throw new DiffhepError(`checkpoint '${path}' holds parameters [${j.names.join(', ')}], this run has [${names.join(', ')}]`, 'checkpoint');
  }
  if (j.optimizer?.name !== optimizer.name) {
    throw new DiffhepError(`checkpoint '${path}' was written by optimizer '${j.optimizer?.name}', this run uses '${optimizer.name}'`, 'checkpoint');
  }
  return j;
}

function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/**
 * Minimizes `loss(params, step)` over the trainable parameters of `params`
 * (which is not modified; the result holds a new ParamSet).
 *
 * @example
 * ```ts
 * const ps = new ParamSet({ x: param(0, { bounds: [-5, 5] }) });
 * const r = minimize((p) => tf.square(tf.sub((p as { x: Tensor }).x, 2)), ps, { steps: 500, optimizer: adam({ learningRate: 0.05 }) });
 * r.params.get('x'); // ≈ 2
 * ```
 */
export function minimize(loss: (params: Tree<Tensor>, step: number) => Tensor, params: ParamSet, options: MinimizeOptions): MinimizeResult {
  const optimizer = options.optimizer ?? adam({ learningRate: 1e-2 });
  const steps = options.steps;
  if (!(Number.isInteger(steps) && steps >= 0)) throw new DiffhepError(`steps must be a non-negative integer, got ${steps}`, 'steps');
  const ps = params.clone();
  const names = ps.trainableNames();
  if (names.length === 0) throw new DiffhepError('no trainable parameters to minimize', 'params');
  const bounds = projectionBounds(ps);
  const every = options.checkpoint?.every ?? 50;
  const patience = options.earlyStopping?.patience;
  const minDelta = options.earlyStopping?.minDelta ?? 0;

  let u: Tensor = tf.tensor1d(Float32Array.from(ps.unconstrainedVector()));
  let state: OptimizerState = optimizer.init(u);
  let history: { step: number; loss: number }[] = [];
  let best = { step: -1, loss: Infinity };
  let bestU: Float32Array = Float32Array.from(u.dataSync());
  let sinceBest = 0;
  let start = 0;
  let resumedFrom: number | undefined;
  const ck = options.checkpoint ? readCheckpoint(options.checkpoint.path, names, optimizer) : null;
  if (ck) {
    u.dispose();
    state.tensors.forEach((t) => t.dispose());
    u = tf.tensor1d(Float32Array.from(ck.u));
    state = optimizer.fromJSON(ck.optimizer.state, u);
    history = ck.history;
    best = { step: ck.best.step, loss: ck.best.loss };
    bestU = Float32Array.from(ck.best.u);
    sinceBest = ck.sinceBest;
    start = ck.nextStep;
    resumedFrom = start;
  }
  const loT = bounds ? tf.tensor1d(bounds.lo) : null;
  const hiT = bounds ? tf.tensor1d(bounds.hi) : null;

  const writeCheckpoint = (nextStep: number) => {
    if (!options.checkpoint) return;
    const json: CheckpointJSON = {
      format: 'diffhep.checkpoint',
      version: 1,
      names,
      nextStep,
      u: Array.from(u.dataSync()),
      optimizer: { name: optimizer.name, state: optimizer.toJSON(state) },
      history,
      best: { ...best, u: Array.from(bestU) },
      sinceBest,
      params: ps.clone().setUnconstrained(u.dataSync()).toJSON(),
    };
    writeJsonAtomic(options.checkpoint.path, json);
  };

  const objective = (v: Tensor, step: number) => {
    const y = loss(ps.physicalTree(v), step);
    if (y.size !== 1) throw new DiffhepError(`the loss must be a scalar, got shape [${y.shape.join(', ')}]`, 'loss');
    return y.reshape([]);
  };

  let stoppedEarly = false;
  let step = start;
  try {
    for (; step < steps; step++) {
      const { value, grad, gradNorm } = tf.tidy(() => {
        const r = tf.valueAndGrad((v: Tensor) => objective(v, step))(u);
        let g = r.grad;
        const norm = tf.norm(g);
        if (options.clipNorm) g = tf.mul(g, tf.minimum(1, tf.div(options.clipNorm, tf.maximum(norm, 1e-30))));
        return { value: r.value, grad: g, gradNorm: norm };
      });
      const lossValue = value.dataSync()[0];
      const gn = gradNorm.dataSync()[0];
      value.dispose();
      gradNorm.dispose();
      if (!Number.isFinite(lossValue)) {
        grad.dispose();
        throw new NonFiniteError('loss', lossValue, `at step ${step}, value`);
      }
      if (!Number.isFinite(gn)) {
        const bad = firstNonFinite(grad.dataSync());
        const v = grad.dataSync()[bad];
        grad.dispose();
        throw new NonFiniteError(names[bad] ?? `u[${bad}]`, v, `at step ${step}, gradient`);
      }
      // The loss belongs to u before this step's update.
      history.push({ step, loss: lossValue });
      if (lossValue < best.loss - minDelta || best.step < 0) {
        best = { step, loss: lossValue };
        bestU = Float32Array.from(u.dataSync());
        sinceBest = 0;
      } else sinceBest++;
      const lr = optimizer.learningRate(state.step);
      const next = optimizer.update(u, grad, state);
      grad.dispose();
      u.dispose();
      state.tensors.forEach((t) => t.dispose());
      state = next.state;
      if (loT && hiT) {
        u = tf.tidy(() => tf.minimum(tf.maximum(next.u, loT), hiT));
        next.u.dispose();
      } else u = next.u;

      if (options.callback) {
        const cur = u;
        let cached: ParamSet | null = null;
        const info: StepInfo = {
          step,
          loss: lossValue,
          gradNorm: gn,
          learningRate: lr,
          get params() {
            cached ??= ps.clone().setUnconstrained(cur.dataSync());
            return cached;
          },
        };
        if (options.callback(info) === 'stop') {
          step++;
          break;
        }
      }
      if (options.checkpoint && (step + 1) % every === 0) writeCheckpoint(step + 1);
      if (patience !== undefined && sinceBest >= patience) {
        stoppedEarly = true;
        step++;
        break;
      }
    }
    if (options.checkpoint) writeCheckpoint(step);
    const finalU = stoppedEarly ? bestU : u.dataSync();
    const out = ps.clone().setUnconstrained(finalU);
    return { params: out, history, steps: step, stoppedEarly, resumedFrom, best };
  } finally {
    u.dispose();
    state.tensors.forEach((t) => t.dispose());
    loT?.dispose();
    hiT?.dispose();
  }
}
