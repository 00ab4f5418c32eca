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
import { DiffhepError, DomainError, NonFiniteError } from '../errors.js';
import type { PRNGKey } from '../random/key.js';

/** What the callback sees after each step. */
export interface StepInfo {
  step: number;
  loss: number;
  gradNorm: number;
  /** Learning rate of this step (NaN for a custom optimizer without a `learningRate` schedule). */
  learningRate: number;
  /** The parameters after this step (built when read; valid after the run). */
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
  /** When given, the loss receives `key.fold(step)` as its third argument (minibatches, noise), so a resumed run draws the same samples. */
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
  stoppedEarly: boolean;
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
  for (const [field, arr] of [['u', j.u], ['best.u', j.best?.u]] as const) {
    if (!Array.isArray(arr) || arr.length !== names.length) throw new DiffhepError(`checkpoint '${path}': ${field} must hold ${names.length} values`, `checkpoint.${field}`);
    const bad = arr.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad >= 0) throw new NonFiniteError(`checkpoint.${field}[${bad}] (${names[bad]})`, Number(arr[bad]), `in '${path}', value`);
  }
  if (!(Number.isInteger(j.nextStep) && j.nextStep >= 0) || !Array.isArray(j.history)) {
    throw new DiffhepError(`checkpoint '${path}': nextStep must be a non-negative integer and history an array`, 'checkpoint.nextStep');
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

function validateOptions(o: MinimizeOptions): void {
  if (!o || typeof o !== 'object') throw new DiffhepError('minimize needs options with at least { steps }', 'options');
  if (!(Number.isInteger(o.steps) && o.steps >= 0)) throw new DomainError('steps', o.steps, 'must be a non-negative integer');
  if (o.clipNorm !== undefined && !(o.clipNorm > 0 && Number.isFinite(o.clipNorm))) throw new DomainError('clipNorm', o.clipNorm, 'must be a positive finite number');
  const every = o.checkpoint?.every;
  if (every !== undefined && !(Number.isInteger(every) && every > 0)) throw new DomainError('checkpoint.every', every, 'must be a positive integer');
  if (o.checkpoint && !(typeof o.checkpoint.path === 'string' && o.checkpoint.path !== '')) throw new DomainError('checkpoint.path', o.checkpoint.path, 'must be a file path');
  const es = o.earlyStopping;
  if (es && !(Number.isInteger(es.patience) && es.patience > 0)) throw new DomainError('earlyStopping.patience', es.patience, 'must be a positive integer');
  if (es?.minDelta !== undefined && !(es.minDelta >= 0)) throw new DomainError('earlyStopping.minDelta', es.minDelta, 'must be ≥ 0');
}

/** Physical values of the trainable scalars at u, as `name = value` (at most 8). */
function describeParams(ps: ParamSet, names: string[], u: ArrayLike<number>): string {
  const x: number[] = [];
  let k = 0;
  for (const e of ps.trainable) for (let i = 0; i < e.values.length; i++, k++) x.push(e.bij.forward(u[k]));
  const shown = names.slice(0, 8).map((n, i) => `${n} = ${x[i].toPrecision(6)}`);
  return shown.join(', ') + (names.length > 8 ? `, … (${names.length - 8} more)` : '');
}

/** The error for a non-finite loss or gradient: names the parameter whose gradient is bad, else the parameters' values. */
function nonFiniteAt(step: number, lossValue: number, g: ArrayLike<number>, ps: ParamSet, names: string[], u: ArrayLike<number>): NonFiniteError {
  const bad = firstNonFinite(g);
  const at = describeParams(ps, names, u);
  if (bad >= 0) {
    let count = 0;
    for (let i = 0; i < g.length; i++) if (!Number.isFinite(g[i])) count++;
    return new NonFiniteError(names[bad], g[bad], `at step ${step} (loss ${lossValue}; ${count} non-finite gradient element(s); parameters ${at}), gradient`);
  }
  if (!Number.isFinite(lossValue)) return new NonFiniteError('loss', lossValue, `at step ${step} with parameters ${at} (gradient finite), value`);
  return new NonFiniteError('gradient norm', Infinity, `at step ${step} with parameters ${at} (float32 overflow of the gradient norm), value`);
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
export function minimize(loss: (params: Tree<Tensor>, step: number, key?: PRNGKey) => Tensor, params: ParamSet, options: MinimizeOptions): MinimizeResult {
  validateOptions(options);
  const optimizer = options.optimizer ?? adam({ learningRate: 1e-2 });
  const steps = options.steps;
  const ps = params.clone();
  const names = ps.trainableNames();
  if (names.length === 0) throw new DiffhepError('no trainable parameters to minimize', 'params');
  const bounds = projectionBounds(ps);
  const every = options.checkpoint?.every ?? 50;
  const patience = options.earlyStopping?.patience;
  const minDelta = options.earlyStopping?.minDelta ?? 0;
  const clipNorm = options.clipNorm;

  let u: Tensor = tf.tensor1d(Float32Array.from(ps.unconstrainedVector()));
  let state: OptimizerState = optimizer.init(u);
  let history: { step: number; loss: number }[] = [];
  let best = { step: -1, loss: Infinity };
  let bestU: Float32Array = Float32Array.from(u.dataSync());
  let sinceBest = 0;
  let stoppedEarly = false;
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
    stoppedEarly = ck.stoppedEarly === true;
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
      stoppedEarly,
      params: ps.clone().setUnconstrained(u.dataSync()).toJSON(),
    };
    writeJsonAtomic(options.checkpoint.path, json);
  };

  // An error thrown while the gradient tape records leaves tfjs's scopes open (tensors leak), so a
  // failing loss is recorded, the tape completes on a dummy value, and the error is thrown after.
  let lossError: unknown = null;
  const objective = (v: Tensor, step: number) => {
    try {
      const y = loss(ps.physicalTree(v), step, options.key?.fold(step));
      if (!(y instanceof tf.Tensor)) throw new DiffhepError(`the loss must return a scalar tensor, got ${typeof y}`, 'loss');
      if (y.size !== 1) throw new DiffhepError(`the loss must be a scalar, got shape [${y.shape.join(', ')}]`, 'loss');
      // Adding 0·Σv keeps u on the tape when the loss ignores it (then the gradient is zero, as in JAX).
      return tf.add(y.reshape([]), tf.mul(0, tf.sum(v)));
    } catch (e) {
      lossError = e;
      return tf.mul(0, tf.sum(v));
    }
  };

  let step = start;
  try {
    for (; step < steps && !stoppedEarly; step++) {
      const { value, grad, gradNorm } = tf.tidy(() => {
        const r = tf.valueAndGrad((v: Tensor) => objective(v, step))(u);
        return { value: r.value, grad: r.grad, gradNorm: tf.norm(r.grad) };
      });
      if (lossError) {
        tf.dispose([value, grad, gradNorm]);
        throw lossError;
      }
      const lossValue = value.dataSync()[0];
      const gn = gradNorm.dataSync()[0];
      value.dispose();
      gradNorm.dispose();
      if (!Number.isFinite(lossValue) || !Number.isFinite(gn)) {
        const g = grad.dataSync().slice();
        grad.dispose();
        throw nonFiniteAt(step, lossValue, g, ps, names, u.dataSync());
      }
      let g = grad;
      if (clipNorm !== undefined && gn > clipNorm) {
        g = tf.mul(grad, clipNorm / gn);
        grad.dispose();
      }
      // The loss belongs to u before this step's update.
      history.push({ step, loss: lossValue });
      if (lossValue < best.loss - minDelta || best.step < 0) {
        best = { step, loss: lossValue };
        bestU = Float32Array.from(u.dataSync());
        sinceBest = 0;
      } else sinceBest++;
      const lr = optimizer.learningRate ? optimizer.learningRate(state.step) : NaN;
      if (optimizer.learningRate && !(Number.isFinite(lr) && lr >= 0)) {
        g.dispose();
        throw new DomainError('learningRate', lr, `the schedule gave a negative or non-finite rate at step ${state.step}`);
      }
      const next = optimizer.update(u, g, state);
      g.dispose();
      u.dispose();
      state.tensors.forEach((t) => t.dispose());
      state = next.state;
      if (loT && hiT) {
        u = tf.tidy(() => tf.minimum(tf.maximum(next.u, loT), hiT));
        next.u.dispose();
      } else u = next.u;

      if (patience !== undefined && sinceBest >= patience) stoppedEarly = true;
      if (options.callback) {
        const cur = Float32Array.from(u.dataSync());
        let cached: ParamSet | null = null;
        const info: StepInfo = {
          step,
          loss: lossValue,
          gradNorm: gn,
          learningRate: lr,
          get params() {
            cached ??= ps.clone().setUnconstrained(cur);
            return cached;
          },
        };
        if (options.callback(info) === 'stop') {
          step++;
          break;
        }
      }
      if (options.checkpoint && (step + 1) % every === 0) writeCheckpoint(step + 1);
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
