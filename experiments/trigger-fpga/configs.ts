/**
 * The configurations of the trigger experiment: how each turns the trained
 * float tagger (or one of hls4ml's published models) into a hardware IR.
 *
 * - `float`: the float network (accuracy only, no hardware).
 * - `ptq-W-I`: post-training quantization with one model-wide type
 *   `ap_fixed<W,I,AP_RND,AP_SAT>` for inputs, weights, biases and results (the
 *   hls4ml "model precision" style); accumulators overflow-free.
 * - `ptq-profiled-W`: post-training quantization with per-layer integer bits
 *   from the float network's ranges on the training sample (`ptqModel`),
 *   W-bit types, 16-bit inputs.
 * - `qat-W`: quantization-aware fine-tuning (`trainClassifier`) of the float network with the
 *   same per-layer W-bit types as `ptq-profiled-W` (fake quantization in the
 *   forward pass, straight-through gradients); `qat-W-pruned75` also fixes the
 *   75 % smallest weights of every layer at zero (polynomial-decay schedule).
 * - `hgq-betaB`: HGQ fine-tuning of the float network: trainable per-weight
 *   fractional bits with the resource penalty B · EBOPs (heterogeneous bit
 *   widths, exported with per-layer types covering them); `hgqSettings`.
 * - `hls4ml-float`, `hls4ml-pruned70`, `hls4ml-qkeras6`: hls4ml's example
 *   jet taggers read from their Keras files, `ap_fixed<16,6>` where the model
 *   carries no type of its own (the QKeras model carries its quantizers).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type FixedType, fixedType } from '../../src/hw/fixed/ap-fixed.js';
import { type FloatModel, type ModelIR, quantizeModel } from '../../src/hw/ir.js';
import { readKeras } from '../../src/hw/import/keras.js';
import { profileRanges, ptqModel } from '../../src/hw/qat/profile.js';
import { irFromQat, mlpFloatModel, type LayerQuant } from '../../src/hw/qat/qat-mlp.js';
import type { HgqOptions } from '../../src/hw/qat/hgq.js';
import type { MlpWeights } from './train.js';

/** The kinds of configuration. */
export type ConfigKind = 'float' | 'ptq' | 'ptq-profiled' | 'qat' | 'hgq' | 'hls4ml';

export interface ConfigSpec {
  name: string;
  kind: ConfigKind;
  /** Total bits (ptq, ptq-profiled, qat). */
  width?: number;
  /** Integer bits of the model-wide type (ptq). */
  integer?: number;
  /** Pruned fraction of the weights (qat). */
  sparsity?: number;
  /** Weight of the EBOPs penalty (hgq). */
  beta?: number;
  /** Keras files (hls4ml). */
  arch?: string;
  weights?: string;
  /**
   * Too large to synthesize in reasonable time on one core (yosys synth_xilinx
   * of the 16-bit designs would run for hours): resources from the analytic
   * estimator even in a yosys run.
   */
  estimateOnly?: boolean;
}

/** hls4ml's example jet taggers (see ../shared/models/hls4ml-jet-tagger/SOURCE.md). */
export const HLS4ML_MODEL_DIR = join(process.cwd(), '..', 'shared', 'models', 'hls4ml-jet-tagger');

/** Every configuration of the full run, cheapest to synthesize first within each group. */
export const ALL_CONFIGS: ConfigSpec[] = [
  { name: 'float', kind: 'float' },
  { name: 'ptq-16-6', kind: 'ptq', width: 16, integer: 6, estimateOnly: true },
  { name: 'ptq-10-4', kind: 'ptq', width: 10, integer: 4 },
  { name: 'ptq-8-3', kind: 'ptq', width: 8, integer: 3 },
  { name: 'ptq-6-2', kind: 'ptq', width: 6, integer: 2 },
  { name: 'ptq-profiled-8', kind: 'ptq-profiled', width: 8 },
  { name: 'qat-8', kind: 'qat', width: 8 },
  { name: 'qat-6', kind: 'qat', width: 6 },
  { name: 'qat-4', kind: 'qat', width: 4 },
  { name: 'qat-6-pruned75', kind: 'qat', width: 6, sparsity: 0.75 },
  { name: 'hgq-beta1e-6', kind: 'hgq', beta: 1e-6 },
  { name: 'hgq-beta3e-6', kind: 'hgq', beta: 3e-6 },
  { name: 'hgq-beta1e-5', kind: 'hgq', beta: 1e-5 },
  { name: 'hgq-beta3e-5', kind: 'hgq', beta: 3e-5 },
  { name: 'hls4ml-qkeras6', kind: 'hls4ml', arch: 'qkeras_3layer.json', weights: 'qkeras_3layer_weights.h5' },
  { name: 'hls4ml-pruned70', kind: 'hls4ml', arch: 'KERAS_3layer.json', weights: 'KERAS_3layer_70pruned_retrained_weights.h5' },
  { name: 'hls4ml-float', kind: 'hls4ml', arch: 'KERAS_3layer.json', weights: 'KERAS_3layer_weights.h5', estimateOnly: true },
];

/**
 * The order in which a run works through the configurations: the cheapest to
 * synthesize first (fewest bits × weights), so an interrupted full run has
 * the most rows.
 */
export const RUN_ORDER = [
  'float', 'hgq-beta3e-5', 'hgq-beta1e-5', 'qat-6-pruned75', 'qat-4', 'hgq-beta3e-6', 'hls4ml-qkeras6', 'ptq-6-2', 'hgq-beta1e-6', 'qat-6',
  'ptq-8-3', 'ptq-profiled-8', 'qat-8', 'hls4ml-pruned70', 'ptq-10-4', 'ptq-16-6', 'hls4ml-float',
];

/**
 * HGQ fine-tuning settings: every f starts at 6 fractional bits (the float
 * network's accuracy) and is trained through the sigmoid parametrization
 * inside [-8, 16], so that the 10 fine-tuning epochs can move a width by
 * several bits and β, not the step budget, sets where the widths end
 * (with f itself as the parameter, Adam moves each f by at most about the
 * learning rate per step: 1.6 bits over the run, whatever β).
 */
export function hgqSettings(beta: number): HgqOptions {
  return { initFracBits: 6, beta, transform: 'sigmoid' };
}

/** The input type of the profiled and QAT configurations (as hls4ml's QKeras tagger: 16-bit inputs). */
export const WIDE_INPUT = fixedType(16, 6, { quant: 'RND', overflow: 'SAT' });

/** The float MLP as a `FloatModel` ending in a softmax (an argmax in hardware). */
export function floatModelOf(w: MlpWeights, name = 'tagger'): FloatModel {
  const m = mlpFloatModel(w, name);
  return { ...m, layers: [...m.layers, { kind: 'softmax', name: 'softmax' }] };
}

/** Per-layer W-bit types from the float network's ranges on `xCalib` (`ptqModel`'s choice), as QAT types. */
export function profiledTypes(w: MlpWeights, xCalib: number[][], width: number): LayerQuant[] {
  const fm = mlpFloatModel(w);
  const q = ptqModel(fm, profileRanges(fm, xCalib), { width });
  const out: LayerQuant[] = [];
  q.layers.forEach((l, k) => {
    if (l.kind !== 'dense') return;
    const next = q.layers[k + 1];
    out.push({
      weight: l.weightType!,
      bias: l.biasType!,
      result: l.resultType!,
      ...(next && next.kind === 'relu' && next.resultType ? { relu: next.resultType } : {}),
    });
  });
  return out;
}

/** The IR of trained weights with explicit per-layer types (ptq-profiled, qat, hgq), argmax output. */
export function irWithTypes(w: MlpWeights, types: LayerQuant[], inputType: FixedType, name: string, masks?: Float32Array[]): ModelIR {
  return irFromQat(w, types, inputType, { name, output: 'softmax-argmax', masks });
}

/** The IR of a model-wide type ap_fixed<W,I,AP_RND,AP_SAT> (ptq). */
export function irUniform(w: MlpWeights, width: number, integer: number, name: string): ModelIR {
  const t = fixedType(width, integer, { quant: 'RND', overflow: 'SAT' });
  return quantizeModel(floatModelOf(w, name), { precision: t, inputType: t });
}

/** One of hls4ml's jet taggers as an IR (`ap_fixed<16,6>` where it carries no type). */
export async function irHls4ml(spec: ConfigSpec): Promise<ModelIR> {
  const arch = join(HLS4ML_MODEL_DIR, spec.arch!);
  const weights = join(HLS4ML_MODEL_DIR, spec.weights!);
  const model = await readKeras(arch, weights);
  return quantizeModel({ ...model, name: spec.name.replace(/[^A-Za-z0-9_]/g, '_') }, { precision: 'ap_fixed<16,6>' });
}

/** Whether hls4ml's model files are present. */
export function hls4mlAvailable(): boolean {
  return existsSync(join(HLS4ML_MODEL_DIR, 'KERAS_3layer.json'));
}
