/**
 * Host arrays: a Float32Array with a shape whose first axis is the event.
 * Datasets for the learned reconstruction are records of these, kept on the
 * host and turned into tensors only a minibatch at a time, so a training run
 * holds no more tensors than one step needs.
 */
import { DiffhepError, DomainError, NonFiniteError, ShapeMismatchError } from '../../autodiff/index.js';

/** A float32 array with a shape; axis 0 runs over events. */
export interface HostArray {
  data: Float32Array;
  shape: number[];
}

/** Named inputs of a network (or a dataset): every array has the same number of events. */
export type HostInputs = Record<string, HostArray>;

/**
 * Checks one array: a positive-length shape of positive integers whose
 * product is the data length, and only finite values (the error names the
 * field, the event and the flat index).
 *
 * @example
 * ```ts
 * checkHostArray('features', { data: new Float32Array(6), shape: [2, 3] }); // ok
 * ```
 */
export function checkHostArray(field: string, a: HostArray): void {
  if (!a || !(a.data instanceof Float32Array) || !Array.isArray(a.shape)) throw new DiffhepError(`'${field}' must be { data: Float32Array, shape: number[] }`, field);
  if (a.shape.length === 0) throw new DomainError(`${field}.shape`, a.shape, 'needs at least the event axis');
  a.shape.forEach((d, i) => {
    if (!(Number.isInteger(d) && d >= 1)) throw new DomainError(`${field}.shape[${i}]`, d, 'every axis must be a positive integer (an empty set or batch has no meaning here)');
  });
  const size = a.shape.reduce((p, d) => p * d, 1);
  if (a.data.length !== size) throw new ShapeMismatchError(`${field}.data (length ${a.data.length})`, a.shape, [a.data.length]);
  const per = size / a.shape[0];
  for (let i = 0; i < a.data.length; i++) {
    if (!Number.isFinite(a.data[i])) throw new NonFiniteError(`${field}[event ${Math.floor(i / per)}, element ${i % per}]`, a.data[i]);
  }
}

/**
 * Checks every array of `inputs` and that they share their event count; returns it.
 *
 * @example
 * ```ts
 * eventCount({ features: f, mask: m }); // f.shape[0], after checking m.shape[0] equals it
 * ```
 */
export function eventCount(inputs: HostInputs, field = 'inputs'): number {
  const names = Object.keys(inputs ?? {});
  if (names.length === 0) throw new DiffhepError(`'${field}' holds no arrays`, field);
  let n = -1;
  for (const k of names) {
    checkHostArray(`${field}.${k}`, inputs[k]);
    const nk = inputs[k].shape[0];
    if (n < 0) n = nk;
    else if (nk !== n) throw new ShapeMismatchError(`${field}.${k} (event axis)`, [n], [nk]);
  }
  return n;
}

/**
 * The rows `idx` of an array (a copy).
 *
 * @example
 * ```ts
 * takeRows({ data: Float32Array.from([1, 2, 3, 4]), shape: [2, 2] }, [1]); // { data: [3, 4], shape: [1, 2] }
 * ```
 */
export function takeRows(a: HostArray, idx: ArrayLike<number>): HostArray {
  const per = a.data.length / a.shape[0];
  const out = new Float32Array(idx.length * per);
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    if (!(Number.isInteger(i) && i >= 0 && i < a.shape[0])) throw new DomainError(`idx[${r}]`, i, `must be an event index in [0, ${a.shape[0] - 1}]`);
    out.set(a.data.subarray(i * per, (i + 1) * per), r * per);
  }
  return { data: out, shape: [idx.length, ...a.shape.slice(1)] };
}

/**
 * `takeRows` on every array of a record.
 *
 * @example
 * ```ts
 * takeInputs({ features, mask }, [0, 5, 9]); // three events of each array
 * ```
 */
export function takeInputs(inputs: HostInputs, idx: ArrayLike<number>): HostInputs {
  return Object.fromEntries(Object.entries(inputs).map(([k, a]) => [k, takeRows(a, idx)]));
}

/**
 * Concatenates records of arrays along the event axis (same names and trailing shapes).
 *
 * @example
 * ```ts
 * concatInputs([electrons.inputs, photons.inputs]); // events of both, electrons first
 * ```
 */
export function concatInputs(parts: HostInputs[]): HostInputs {
  if (parts.length === 0) throw new DiffhepError('nothing to concatenate', 'parts');
  const names = Object.keys(parts[0]);
  const out: HostInputs = {};
  for (const k of names) {
    const tail = parts[0][k].shape.slice(1);
    parts.forEach((p, i) => {
      const a = p[k];
      if (!a) throw new DiffhepError(`part ${i} lacks '${k}'`, `parts[${i}].${k}`);
      if (a.shape.length !== tail.length + 1 || a.shape.slice(1).some((d, j) => d !== tail[j])) throw new ShapeMismatchError(`parts[${i}].${k}`, [-1, ...tail], a.shape);
    });
    const n = parts.reduce((s, p) => s + p[k].shape[0], 0);
    const data = new Float32Array(parts.reduce((s, p) => s + p[k].data.length, 0));
    let off = 0;
    for (const p of parts) {
      data.set(p[k].data, off);
      off += p[k].data.length;
    }
    out[k] = { data, shape: [n, ...tail] };
  }
  return out;
}
