/**
 * Keras model import: the architecture JSON (`model.to_json()`) plus the
 * Keras-2 HDF5 weights file (`save_weights`), read with h5wasm, as hls4ml's
 * example models are stored. Supported layers: InputLayer, Dense (with a
 * linear/relu/softmax activation), Activation (relu/softmax/linear),
 * BatchNormalization, Dropout (ignored), and QKeras QDense/QActivation with
 * `quantized_bits` / `quantized_relu` quantizers, which become the layer's
 * fixed-point types:
 * - quantized_bits(bits, integer, keep_negative=1, alpha=1, symmetric=0)
 *   -> ap_fixed<bits, integer+1, AP_RND_CONV, AP_SAT> (QKeras rounds half to even and clips);
 * - quantized_relu(bits, integer) -> ap_ufixed<bits, integer, AP_RND_CONV, AP_SAT>.
 *
 * @example
 * ```ts
 * const model = await readKeras('KERAS_3layer.json', 'KERAS_3layer_weights.h5');
 * const ir = quantizeModel(model, { precision: 'ap_fixed<16,6>' });
 * ```
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import h5wasm from 'h5wasm/node';
import { DiffhepError } from '../../autodiff/index.js';
import { fixedType, type FixedType } from '../fixed/ap-fixed.js';
import type { FloatLayer, FloatModel } from '../ir.js';

interface KerasLayer {
  class_name: string;
  config: Record<string, unknown> & { name: string };
}

/** The fixed-point type of a QKeras quantizer config; `field` names the layer in errors. */
export function qkerasType(q: { class_name: string; config: Record<string, unknown> }, field: string): FixedType {
  const c = q.config;
  const bits = Number(c.bits);
  const integer = Number(c.integer ?? 0);
  if (q.class_name === 'quantized_bits') {
    if (c.alpha !== undefined && c.alpha !== null && Number(c.alpha) !== 1) {
      throw new DiffhepError(`${field}: quantized_bits with alpha=${JSON.stringify(c.alpha)} is not supported (alpha=1 only)`, field);
    }
    if (Number(c.symmetric ?? 0) !== 0) throw new DiffhepError(`${field}: symmetric quantized_bits is not supported`, field);
    const signed = c.keep_negative === undefined ? true : Boolean(c.keep_negative);
    return fixedType(bits, integer + (signed ? 1 : 0), { signed, quant: 'RND_CONV', overflow: 'SAT' }, field);
  }
  if (q.class_name === 'quantized_relu') {
    if (Number(c.negative_slope ?? 0) !== 0) throw new DiffhepError(`${field}: leaky quantized_relu is not supported`, field);
    return fixedType(bits, integer, { signed: false, quant: 'RND_CONV', overflow: 'SAT' }, field);
  }
  throw new DiffhepError(`${field}: unsupported QKeras quantizer '${q.class_name}'`, field);
}

function layerList(arch: { config: unknown }): KerasLayer[] {
  const c = arch.config as { layers?: KerasLayer[] } | KerasLayer[];
  const layers = Array.isArray(c) ? c : c?.layers;
  if (!Array.isArray(layers)) throw new DiffhepError('architecture JSON has no layer list (config.layers)', 'architecture');
  return layers;
}

/** A weight tensor as read from the HDF5 file. */
export interface KerasWeight {
  shape: number[];
  values: ArrayLike<number>;
}

/**
 * Builds a float model from a Keras architecture (parsed JSON) and a weight
 * lookup `get(layerName, weightName)`, e.g. `get('fc1', 'kernel:0')`.
 */
export function kerasToFloatModel(arch: { config: unknown }, get: (layer: string, weight: string) => KerasWeight, name = 'keras_model'): FloatModel {
  const out: FloatLayer[] = [];
  let nIn = 0;
  const activation = (a: unknown, lname: string, field: string, suffix: boolean) => {
    const n = suffix ? `${lname}_act` : lname;
    if (a === 'linear' || a === undefined || a === null) return;
    if (a === 'relu') out.push({ kind: 'relu', name: n });
    else if (a === 'softmax') out.push({ kind: 'softmax', name: n });
    else if (typeof a === 'object' && (a as { class_name?: string }).class_name === 'quantized_relu') {
      out.push({ kind: 'relu', name: n, resultType: qkerasType(a as never, field) });
    } else throw new DiffhepError(`${field}: unsupported activation ${JSON.stringify(a)} (supported: linear, relu, softmax, quantized_relu)`, field);
  };
  layerList(arch).forEach((l, i) => {
    const c = l.config;
    const field = `layer ${i} '${c.name}' (${l.class_name})`;
    const shp = c.batch_input_shape as (number | null)[] | undefined;
    if (shp && nIn === 0) nIn = Number(shp[shp.length - 1]);
    switch (l.class_name) {
      case 'InputLayer':
      case 'Dropout':
        return;
      case 'Dense':
      case 'QDense': {
        const k = get(c.name, 'kernel:0');
        const units = Number(c.units);
        if (k.shape.length !== 2 || k.shape[1] !== units) throw new DiffhepError(`${field}: kernel shape [${k.shape.join(', ')}] does not match units ${units}`, field);
        const weights = Array.from({ length: k.shape[0] }, (_, a) => Array.from({ length: units }, (_, b) => Number(k.values[a * units + b])));
        const bias = c.use_bias === false ? new Array<number>(units).fill(0) : Array.from(get(c.name, 'bias:0').values, Number);
        const layer: FloatLayer = { kind: 'dense', name: c.name, weights, bias };
        if (l.class_name === 'QDense') {
          if (c.kernel_quantizer) layer.weightType = qkerasType(c.kernel_quantizer as never, `${field} kernel_quantizer`);
          if (c.bias_quantizer) layer.biasType = qkerasType(c.bias_quantizer as never, `${field} bias_quantizer`);
        }
        out.push(layer);
        activation(c.activation, c.name, field, true);
        return;
      }
      case 'Activation':
      case 'QActivation':
        activation(c.activation, c.name, field, false);
        return;
      case 'BatchNormalization': {
        const g = (w: string) => Array.from(get(c.name, w).values, Number);
        const mean = g('moving_mean:0');
        const n = mean.length;
        out.push({
          kind: 'batchnorm',
          name: c.name,
          gamma: c.scale === false ? new Array<number>(n).fill(1) : g('gamma:0'),
          beta: c.center === false ? new Array<number>(n).fill(0) : g('beta:0'),
          mean,
          variance: g('moving_variance:0'),
          epsilon: Number(c.epsilon ?? 1e-3),
        });
        return;
      }
      default:
        throw new DiffhepError(`${field}: unsupported layer type '${l.class_name}' (supported: Dense, QDense, Activation, QActivation, BatchNormalization, Dropout)`, field);
    }
  });
  if (nIn === 0) {
    const first = out.find((l) => l.kind === 'dense');
    if (first && first.kind === 'dense') nIn = first.weights.length;
  }
  return { name, nIn, layers: out };
}

/** Reads a Keras model from its architecture JSON file and HDF5 weights file. */
export async function readKeras(jsonPath: string, h5Path: string): Promise<FloatModel> {
  let arch: { config: unknown };
  try {
    arch = JSON.parse(readFileSync(jsonPath, 'utf8')) as { config: unknown };
  } catch (e) {
    throw new DiffhepError(`cannot read Keras architecture '${jsonPath}': ${(e as Error).message}`, 'architecture');
  }
  await h5wasm.ready;
  const f = new h5wasm.File(h5Path, 'r');
  try {
    const get = (layer: string, weight: string): KerasWeight => {
      const grp = f.get(layer) as { attrs: Record<string, { value: unknown }> } | null;
      if (!grp) throw new DiffhepError(`weights file '${h5Path}' has no group for layer '${layer}'`, layer);
      const names = (grp.attrs.weight_names?.value ?? []) as string[];
      const full = names.find((w) => w.endsWith('/' + weight) || w === weight) ?? `${layer}/${weight}`;
      const ds = f.get(`${layer}/${full}`) as { shape: number[]; value: ArrayLike<number> } | null;
      if (!ds) throw new DiffhepError(`weights file '${h5Path}' has no weight '${weight}' for layer '${layer}'`, layer);
      return { shape: ds.shape, values: ds.value };
    };
    return kerasToFloatModel(arch, get, basename(jsonPath).replace(/\.json$/, ''));
  } finally {
    f.close();
  }
}
