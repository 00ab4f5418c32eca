/**
 * Training of the `nn` MLP classifier in float, with quantization-aware
 * training (fake-quantized weights, biases, accumulators and activations at
 * fixed per-layer types), magnitude pruning on a schedule, or HGQ's trainable
 * per-weight bit widths with a resource penalty, so that training trades
 * accuracy for FPGA resources. The loss is the cross-entropy of the softmax
 * of the logits (plus β·EBOPs for HGQ), minimized by the core's `minimize`
 * with Adam on shuffled minibatches; a run is reproducible from its seed and
 * resumes from its checkpoint.
 *
 * @example
 * ```ts
 * const r = trainClassifier({ sizes: [16, 32, 5], x, y, xVal, yVal, epochs: 10, batchSize: 128, learningRate: 0.005, seed: 1,
 *   quant: uniformLayerQuant(2, { width: 6 }), inputType: 'ap_fixed<10,4,AP_RND,AP_SAT>' });
 * r.valAccuracy;
 * const ir = irFromQat(r.params, r.quant as LayerQuant[], r.inputType, { masks: r.masks });
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import {
  adam,
  DiffhepError,
  DomainError,
  minimize,
  nn,
  param,
  ParamSet,
  prngKey,
  ShapeMismatchError,
  tf,
  writeJsonAtomic,
  type ParamDefTree,
  type Schedule,
  type Tensor,
  type Tree,
} from '../../autodiff/index.js';
import type { FixedType } from '../fixed/ap-fixed.js';
import { applyMasks, asFixedType, qatMlpForward, resolveLayerQuant, type LayerQuant, type MlpValues, type ResolvedLayerQuant } from './qat-mlp.js';
import { checkSchedule, isMaskUpdateStep, magnitudeMask, sparsityOf, targetSparsity, type PruningSchedule } from './pruning.js';
import { checkHgq, hgqExport, hgqForward, hgqLayerRanges, hgqParamDefs, type HgqLayerBits, type HgqOptions } from './hgq.js';
import { fakeQuant } from './fake-quant.js';

/** The default input type of quantized training (hls4ml's default precision, rounding and saturating). */
export const DEFAULT_INPUT_TYPE = 'ap_fixed<16,6,AP_RND,AP_SAT>';

/** One training step as reported. */
export interface TrainStep {
  step: number;
  /** Minibatch loss before this step's update (cross-entropy, plus β·EBOPs with HGQ). */
  loss: number;
  /** Minibatch accuracy before this step's update. */
  accuracy: number;
  /** Fraction of pruned weights (all layers) in effect at this step, with pruning. */
  sparsity?: number;
  /** EBOPs at this step, with HGQ. */
  ebops?: number;
}

/** Options of `trainClassifier`. */
export interface TrainClassifierOptions {
  /** Layer sizes [nIn, hidden..., nClasses]. */
  sizes: number[];
  /** Inputs, n × nIn row-major. */
  x: Float32Array;
  /** Class labels in [0, nClasses). */
  y: Int32Array;
  xVal?: Float32Array;
  yVal?: Int32Array;
  epochs: number;
  batchSize: number;
  /** Adam's learning rate: a number or a schedule of the step (e.g. `cosineDecay`). */
  learningRate: number | Schedule;
  seed: number;
  /** Fixed per-layer types (QAT) or 'float' (default). */
  quant?: LayerQuant[] | 'float';
  /** Type of the input port with `quant` or `hgq`. Default `DEFAULT_INPUT_TYPE`. */
  inputType?: FixedType | string;
  pruning?: PruningSchedule;
  /** Trainable per-weight bit widths with the EBOPs penalty (excludes `quant`). */
  hgq?: HgqOptions;
  /** Start from these MLP values instead of a Glorot initialization from the seed (fine-tuning). */
  init?: MlpValues;
  onStep?: (s: TrainStep) => void;
  /** Checkpoint file: written atomically every `checkpointEvery` steps; an interrupted run resumes from it. */
  checkpoint?: string;
  /** Default 50. */
  checkpointEvery?: number;
}

/** Result of `trainClassifier`. */
export interface TrainClassifierResult {
  /** Final MLP values, nested [in][out] weights (pruned weights exactly 0; with HGQ, the quantized values). */
  params: MlpValues;
  /** The types the network was trained with ('float' for float training; with HGQ, per-layer types covering the per-weight widths). */
  quant: LayerQuant[] | 'float';
  /** The input type (for `irFromQat`). */
  inputType: FixedType;
  /** Final pruning masks [in·out] row-major per layer (1 keep, 0 pruned), with pruning. */
  masks?: Float32Array[];
  /** With HGQ: rounded fractional bits per weight [in·out] row-major and per layer for the activations. */
  fracBits?: { weights: number[][]; activations: number[] };
  history: TrainStep[];
  /** Accuracy of the returned network on (xVal, yVal) when given. */
  valAccuracy?: number;
  /** Accuracy of the returned network on the training set. */
  trainAccuracy: number;
  /** With HGQ: EBOPs of the exported network, and its mean bits per weight (zero weights count 0). */
  ebops?: number;
  meanWeightBits?: number;
  /** Steps run (epochs × batches per epoch) and the step a resumed run started from. */
  steps: number;
  resumedFrom?: number;
}

function checkData(x: Float32Array, y: Int32Array, nIn: number, nOut: number, fx: string, fy: string): number {
  if (!(x instanceof Float32Array)) throw new DomainError(fx, typeof x, 'a Float32Array (n × nIn, row-major)');
  if (!(y instanceof Int32Array)) throw new DomainError(fy, typeof y, 'an Int32Array of class labels');
  const n = y.length;
  if (n === 0) throw new DomainError(fy, 0, 'at least one example');
  if (x.length !== n * nIn) throw new ShapeMismatchError(fx, [n, nIn], [x.length / nIn, nIn]);
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) throw new DomainError(`${fx}[${i}]`, x[i], 'a finite number');
  for (let i = 0; i < n; i++) if (!(y[i] >= 0 && y[i] < nOut)) throw new DomainError(`${fy}[${i}]`, y[i], `a class label in [0, ${nOut})`);
  return n;
}

function checkOptions(o: TrainClassifierOptions): void {
  if (!o || typeof o !== 'object') throw new DiffhepError('trainClassifier needs options { sizes, x, y, epochs, batchSize, learningRate, seed }', 'options');
  if (!Array.isArray(o.sizes) || o.sizes.length < 2 || o.sizes.some((s) => !(Number.isInteger(s) && s > 0))) throw new DomainError('sizes', o.sizes, 'at least two positive integer layer sizes');
  if (o.sizes[o.sizes.length - 1] < 2) throw new DomainError('sizes', o.sizes, 'at least 2 classes');
  if (!(Number.isInteger(o.epochs) && o.epochs > 0)) throw new DomainError('epochs', o.epochs, 'a positive integer');
  if (!(Number.isInteger(o.batchSize) && o.batchSize > 0)) throw new DomainError('batchSize', o.batchSize, 'a positive integer');
  if (typeof o.learningRate !== 'function' && !(Number.isFinite(o.learningRate) && o.learningRate > 0)) throw new DomainError('learningRate', o.learningRate, 'a positive number');
  if (!Number.isFinite(o.seed)) throw new DomainError('seed', o.seed, 'a finite number');
  if (o.hgq && o.quant && o.quant !== 'float') throw new DiffhepError('options quant and hgq exclude each other: HGQ learns the bit widths', 'hgq');
  if (o.checkpointEvery !== undefined && !(Number.isInteger(o.checkpointEvery) && o.checkpointEvery > 0)) throw new DomainError('checkpointEvery', o.checkpointEvery, 'a positive integer');
}

/** A permutation of 0..n-1 from a key (argsort of uniforms). */
function permutation(n: number, u: Float64Array): Int32Array {
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => u[a] - u[b] || a - b);
  return Int32Array.from(idx);
}

function initDefs(o: TrainClassifierOptions, key: ReturnType<typeof prngKey>): ParamDefTree {
  if (!o.init) return nn.mlpInit(key, o.sizes);
  const layers = o.init.layers;
  if (!Array.isArray(layers) || layers.length !== o.sizes.length - 1) throw new DomainError('init.layers', layers?.length, `${o.sizes.length - 1} layers`);
  return {
    layers: layers.map((l, i) => {
      const rows = applyMasks(o.init).layers[i];
      if (rows.w.length !== o.sizes[i] || rows.b.length !== o.sizes[i + 1]) throw new ShapeMismatchError(`init.layers[${i}]`, [o.sizes[i], o.sizes[i + 1]], [rows.w.length, rows.b.length]);
      return { w: param(rows.w), b: param(rows.b) };
    }),
  };
}

/** A flat row-major array as rows × cols nested arrays. */
function nest2(flat: ArrayLike<number>, rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => flat[r * cols + c]));
}

interface Sidecar {
  format: 'diffhep.qat-train';
  snapshots: { nextStep: number; masks: number[][] | null; history: TrainStep[] }[];
}

function readMainNextStep(path: string): number {
  if (!existsSync(path)) return 0;
  try {
    const j = JSON.parse(readFileSync(path, 'utf8')) as { nextStep?: unknown };
    return typeof j.nextStep === 'number' ? j.nextStep : 0;
  } catch {
    return 0; // minimize reports the malformed file
  }
}

/**
 * Trains an MLP classifier (ReLU hidden layers, linear logits, softmax
 * cross-entropy) in float, with QAT (`quant`), with pruning (`pruning`) and/or
 * with HGQ (`hgq`). Deterministic given the seed; memory-flat; resumes from
 * `checkpoint`. Returns plain values ready for `irFromQat`.
 *
 * @example
 * ```ts
 * const r = trainClassifier({ sizes: [4, 8, 3], x, y, epochs: 20, batchSize: 32, learningRate: 0.01, seed: 7,
 *   quant: uniformLayerQuant(2, { width: 4 }), pruning: { finalSparsity: 0.5, endStep: 200, frequency: 20 } });
 * accuracy(r.params, x, y, { quant: r.quant, inputType: r.inputType, masks: r.masks });
 * ```
 */
export function trainClassifier(o: TrainClassifierOptions): TrainClassifierResult {
  checkOptions(o);
  const nIn = o.sizes[0];
  const nOut = o.sizes[o.sizes.length - 1];
  const nLayers = o.sizes.length - 1;
  const n = checkData(o.x, o.y, nIn, nOut, 'x', 'y');
  if ((o.xVal === undefined) !== (o.yVal === undefined)) throw new DiffhepError('give both xVal and yVal, or neither', o.xVal === undefined ? 'xVal' : 'yVal');
  if (o.xVal && o.yVal) checkData(o.xVal, o.yVal, nIn, nOut, 'xVal', 'yVal');
  const quantized = (o.quant !== undefined && o.quant !== 'float') || o.hgq !== undefined;
  const rq: ResolvedLayerQuant[] | null = o.quant && o.quant !== 'float' ? resolveLayerQuant(o.quant, nLayers) : null;
  const inputType = asFixedType(o.inputType ?? DEFAULT_INPUT_TYPE, 'inputType');
  const schedule = o.pruning ? checkSchedule(o.pruning) : null;
  const hgq = o.hgq ? checkHgq(o.hgq) : null;

  const [initKey, dataKey] = prngKey(o.seed).split(2);
  const defs: ParamDefTree = { layers: (initDefs(o, initKey) as { layers: ParamDefTree[] }).layers };
  if (hgq) (defs as Record<string, ParamDefTree>).hgq = hgqParamDefs(o.sizes, hgq);
  const ps = new ParamSet(defs);

  const spe = Math.ceil(n / o.batchSize);
  const steps = o.epochs * spe;
  const perms = new Map<number, Int32Array>();
  const batchIndex = (step: number): Int32Array => {
    const e = Math.floor(step / spe);
    let p = perms.get(e);
    if (!p) {
      p = permutation(n, dataKey.fold(e).uniforms(n));
      perms.clear();
      perms.set(e, p);
    }
    const k = step % spe;
    return p.subarray(k * o.batchSize, Math.min(n, (k + 1) * o.batchSize));
  };

  // Pruning masks (host state; the forward pass multiplies them in).
  let masks: Float32Array[] | null = schedule ? o.sizes.slice(0, -1).map((s, i) => new Float32Array(s * o.sizes[i + 1]).fill(1)) : null;
  const updateMasks = (values: unknown, step: number) => {
    if (!schedule || !masks || !isMaskUpdateStep(schedule, step)) return;
    const s = targetSparsity(schedule, step);
    const layers = (values as { layers: { w: number[] }[] }).layers;
    masks = masks.map((m, i) => magnitudeMask(layers[i].w, s, m));
  };
  const totalSparsity = () => {
    if (!masks) return undefined;
    let z = 0;
    let t = 0;
    for (const m of masks) {
      z += sparsityOf(m) * m.length;
      t += m.length;
    }
    return z / t;
  };

  let history: TrainStep[] = [];
  const every = o.checkpointEvery ?? 50;
  const sidecarPath = o.checkpoint ? `${o.checkpoint}.qat.json` : null;
  const snapshots: Sidecar['snapshots'] = [];
  const snapshot = (nextStep: number) => {
    if (!sidecarPath) return;
    snapshots.push({ nextStep, masks: masks ? masks.map((m) => Array.from(m)) : null, history: history.slice() });
    while (snapshots.length > 3) snapshots.shift();
    writeJsonAtomic(sidecarPath, { format: 'diffhep.qat-train', snapshots } satisfies Sidecar);
  };
  let start = 0;
  if (o.checkpoint && sidecarPath) {
    start = readMainNextStep(o.checkpoint);
    if (start > 0) {
      if (!existsSync(sidecarPath)) throw new DiffhepError(`checkpoint '${o.checkpoint}' has no companion '${sidecarPath}' (masks, history); delete the checkpoint to start afresh`, 'checkpoint');
      let sc: Sidecar;
      try {
        sc = JSON.parse(readFileSync(sidecarPath, 'utf8')) as Sidecar;
      } catch (e) {
        throw new DiffhepError(`'${sidecarPath}' is not valid JSON (${(e as Error).message}); delete it and '${o.checkpoint}' to start afresh`, 'checkpoint');
      }
      const snap = sc.snapshots?.find((s) => s.nextStep === start);
      if (!snap) throw new DiffhepError(`'${sidecarPath}' holds no state for step ${start} of '${o.checkpoint}'; delete both to start afresh`, 'checkpoint');
      history = snap.history;
      masks = snap.masks ? snap.masks.map((m) => Float32Array.from(m)) : null;
      snapshots.push(...sc.snapshots.filter((s) => s.nextStep <= start));
    }
  }
  if (start === 0) updateMasks(ps.values(), 0);

  const xT = tf.tensor2d(o.x, [n, nIn]);
  const yT = tf.tensor1d(o.y, 'int32');
  const inputCast = (t: Tensor) => fakeQuant(t, inputType);
  let lastAcc = NaN;
  let lastEbops: number | undefined;
  const loss = (p: Tree<Tensor>, step: number): Tensor => {
    const idx = tf.tensor1d(batchIndex(step), 'int32');
    const xb = tf.gather(xT, idx);
    const yb = tf.gather(yT, idx);
    const mT = masks ? masks.map((m, i) => tf.tensor2d(m, [o.sizes[i], o.sizes[i + 1]])) : undefined;
    let logits: Tensor;
    let penalty: Tensor | null = null;
    if (hgq) {
      const r = hgqForward(p, (p as { hgq: Tree<Tensor> }).hgq, xb, { inputType, inputCast, masks: mT });
      logits = r.logits;
      penalty = tf.mul(r.ebops, hgq.beta);
      lastEbops = r.ebops.dataSync()[0];
    } else logits = qatMlpForward(p, xb, rq ?? 'float', { inputType: quantized ? inputType : undefined, masks: mT });
    const ce = tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(yb, nOut), tf.logSoftmax(logits)), 1)));
    lastAcc = tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), yb), 'float32')).dataSync()[0];
    return penalty ? tf.add(ce, penalty) : ce;
  };

  try {
    const r = minimize(loss, ps, {
      optimizer: adam({ learningRate: o.learningRate }),
      steps,
      checkpoint: o.checkpoint ? { path: o.checkpoint, every } : undefined,
      callback: (info) => {
        const s: TrainStep = { step: info.step, loss: info.loss, accuracy: lastAcc };
        const sp = totalSparsity();
        if (sp !== undefined) s.sparsity = sp;
        if (hgq) s.ebops = lastEbops;
        history.push(s);
        o.onStep?.(s);
        if (masks && schedule && isMaskUpdateStep(schedule, info.step + 1)) updateMasks(info.params.values(), info.step + 1);
        if ((info.step + 1) % every === 0) snapshot(info.step + 1);
      },
    });
    snapshot(r.steps);
    const vals = r.params.values() as { layers: unknown[]; hgq?: { layers: { f: number[]; fa: number }[] } };
    let params = applyMasks({ layers: vals.layers }, masks ?? undefined);
    let quant: LayerQuant[] | 'float' = rq ?? 'float';
    let fracBits: TrainClassifierResult['fracBits'];
    let ebops: number | undefined;
    let meanWeightBits: number | undefined;
    if (hgq && vals.hgq) {
      const bits: HgqLayerBits[] = vals.hgq.layers.map((l, i) => ({ f: nest2(l.f, o.sizes[i], o.sizes[i + 1]), fa: l.fa }));
      // Largest |pre-activation| and ReLU output per layer over the training set, in chunks.
      const ranges = { pre: new Array<number>(nLayers).fill(0), post: new Array<number>(nLayers - 1).fill(0) };
      for (let s = 0; s < n; s += 8192) {
        const c = tf.tidy(() => {
          const mT = masks ? masks.map((m, i) => tf.tensor2d(m, [o.sizes[i], o.sizes[i + 1]])) : undefined;
          const tree = r.params.constantTree() as { hgq: Tree<Tensor> };
          return hgqLayerRanges(tree, tree.hgq, xT.slice([s, 0], [Math.min(n, s + 8192) - s, nIn]), { inputCast, masks: mT });
        });
        c.pre.forEach((v, i) => (ranges.pre[i] = Math.max(ranges.pre[i], v)));
        c.post.forEach((v, i) => (ranges.post[i] = Math.max(ranges.post[i], v)));
      }
      const ex = hgqExport(params, bits, ranges, inputType, masks ?? undefined);
      params = ex.params;
      quant = ex.quant;
      fracBits = ex.fracBits;
      ebops = ex.ebops;
      meanWeightBits = ex.meanWeightBits;
    }
    const evalOpts = { quant, inputType: quantized ? inputType : undefined };
    const out: TrainClassifierResult = {
      params,
      quant,
      inputType,
      history,
      trainAccuracy: accuracy(params, o.x, o.y, evalOpts),
      steps: r.steps,
    };
    if (o.xVal && o.yVal) out.valAccuracy = accuracy(params, o.xVal, o.yVal, evalOpts);
    if (masks) out.masks = masks;
    if (fracBits) out.fracBits = fracBits;
    if (ebops !== undefined) {
      out.ebops = ebops;
      out.meanWeightBits = meanWeightBits;
    }
    if (r.resumedFrom !== undefined) out.resumedFrom = r.resumedFrom;
    return out;
  } finally {
    xT.dispose();
    yT.dispose();
  }
}

/** Options of `predictClasses` / `accuracy`. */
export interface EvalOptions {
  /** Types of a quantized network ('float' or omitted: float arithmetic). */
  quant?: LayerQuant[] | 'float';
  /** Input type of a quantized network. */
  inputType?: FixedType | string;
  /** Pruning masks [in·out] per layer. */
  masks?: (ArrayLike<number> | null | undefined)[];
  /** Rows per forward pass. Default 2048. */
  chunk?: number;
}

/**
 * Predicted class (argmax of the logits) of each row of x (n × nIn) for MLP
 * values, in float or with the fake-quantized forward pass of `quant`.
 *
 * @example
 * ```ts
 * predictClasses(r.params, xTest, { quant: r.quant, inputType: r.inputType }); // Int32Array of class indices
 * ```
 */
export function predictClasses(params: unknown, x: Float32Array, opts: EvalOptions = {}): Int32Array {
  const vals = applyMasks(params, opts.masks);
  const nIn = vals.layers[0].w.length;
  if (!(x instanceof Float32Array) || x.length % nIn !== 0) throw new ShapeMismatchError('x', [-1, nIn], [x?.length / nIn, nIn]);
  const n = x.length / nIn;
  const chunk = opts.chunk ?? 2048;
  const out = new Int32Array(n);
  const tree = () => ({ layers: vals.layers.map((l) => ({ w: tf.tensor2d(l.w), b: tf.tensor1d(l.b) })) });
  const q = opts.quant ?? 'float';
  for (let s = 0; s < n; s += chunk) {
    const e = Math.min(n, s + chunk);
    const cls = tf.tidy(() => {
      const xb = tf.tensor2d(x.subarray(s * nIn, e * nIn), [e - s, nIn]);
      return tf.argMax(qatMlpForward(tree(), xb, q, { inputType: q === 'float' ? undefined : opts.inputType }), 1);
    });
    out.set(cls.dataSync() as Int32Array, s);
    cls.dispose();
  }
  return out;
}

/**
 * Fraction of rows of x whose predicted class equals the label.
 *
 * @example
 * ```ts
 * accuracy(r.params, xTest, yTest, { quant: r.quant, inputType: r.inputType });
 * ```
 */
export function accuracy(params: unknown, x: Float32Array, y: Int32Array, opts: EvalOptions = {}): number {
  const p = predictClasses(params, x, opts);
  if (p.length !== y.length) throw new ShapeMismatchError('y', [p.length], [y.length]);
  let c = 0;
  for (let i = 0; i < y.length; i++) if (p[i] === y[i]) c++;
  return c / y.length;
}

