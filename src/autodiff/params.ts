/**
 * Named parameter sets with units, bounds, transforms and a trainable flag —
 * what a physicist declares before a calibration or a fit:
 *
 * ```ts
 * const ps = new ParamSet({
 *   lartpc: {
 *     lifetime: param(2.2, { unit: 'ms', bounds: [0.5, 5], transform: 'log' }),
 *     efield: param(0.5, { unit: 'kV/cm', bounds: [0.45, 0.55], transform: 'sigmoid' }),
 *     pitch: param(0.4434, { unit: 'cm', trainable: false }),
 *   },
 * });
 * ps.get('lartpc.lifetime'); // 2.2
 * ```
 *
 * An optimizer moves the unconstrained vector u of the trainable parameters;
 * `physicalTree(u)` maps it (differentiably) to the tree of physical values a
 * model reads, with frozen parameters as constants.
 */
import { writeFileSync, readFileSync, renameSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { tf, type Tensor } from './tf.js';
import { bijector, type Bijector, type TransformName } from './bijectors.js';
import { DiffhepError, DomainError, NonFiniteError } from './errors.js';
import { forEachLeaf, mapTree, joinPath, type Tree } from './tree.js';

/** Options of one parameter. */
export interface ParamOptions {
  /** Unit, as text (for display and JSON): 'ms', 'cm^2/us', 'kV/cm'. */
  unit?: string;
  /** Inclusive physical bounds [lo, hi]. Required by the sigmoid transform. */
  bounds?: readonly [number, number];
  /** How the optimizer sees the parameter. Default: sigmoid when bounded, else identity. */
  transform?: TransformName;
  /** Frozen parameters are constants. Default true. */
  trainable?: boolean;
  /** One line on what it is. */
  doc?: string;
}

/** A declared parameter: a scalar or an array of values with its options. */
export interface ParamDef {
  readonly kind: 'param';
  readonly values: number[];
  readonly shape: number[];
  readonly unit: string;
  readonly bounds?: readonly [number, number];
  readonly transform: TransformName;
  readonly trainable: boolean;
  readonly doc?: string;
}

/** A tree of parameter declarations. */
export type ParamDefTree = ParamDef | { [key: string]: ParamDefTree } | ParamDefTree[];

type Nested = number | Nested[];

function shapeOf(v: Nested): number[] {
  if (typeof v === 'number') return [];
  if (v.length === 0) return [0];
  return [v.length, ...shapeOf(v[0])];
}

function flatValues(v: Nested): number[] {
  return typeof v === 'number' ? [v] : v.flatMap((e) => flatValues(e));
}

/** Declares a parameter (scalar or nested array of numbers). */
export function param(value: Nested, options: ParamOptions = {}): ParamDef {
  const transform = options.transform ?? (options.bounds ? 'sigmoid' : 'identity');
  return {
    kind: 'param',
    values: flatValues(value),
    shape: shapeOf(value),
    unit: options.unit ?? '',
    bounds: options.bounds,
    transform,
    trainable: options.trainable ?? true,
    doc: options.doc,
  };
}

/** True for a ParamDef node. */
export function isParamDef(x: unknown): x is ParamDef {
  return typeof x === 'object' && x !== null && (x as { kind?: string }).kind === 'param';
}

/** One parameter as held by a ParamSet. */
export interface ParamEntry {
  path: string;
  def: ParamDef;
  values: Float64Array;
  bij: Bijector;
}

function validate(path: string, def: ParamDef, values: ArrayLike<number>): void {
  const { bounds, transform } = def;
  if (bounds && !(bounds[0] < bounds[1])) throw new DomainError(`${path}.bounds`, bounds, 'need lo < hi');
  if (transform === 'sigmoid' && !bounds) throw new DomainError(`${path}.transform`, transform, 'the sigmoid transform needs bounds');
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const f = values.length > 1 ? `${path}[${i}]` : path;
    if (!Number.isFinite(v)) throw new NonFiniteError(f, v);
    if (bounds && (v < bounds[0] || v > bounds[1])) throw new DomainError(f, v, `outside bounds [${bounds[0]}, ${bounds[1]}]${def.unit ? ' ' + def.unit : ''}`);
    if (transform === 'sigmoid' && bounds && (v === bounds[0] || v === bounds[1])) {
      throw new DomainError(f, v, `on the edge of bounds [${bounds[0]}, ${bounds[1]}]: the sigmoid transform needs a value strictly inside`);
    }
    if (transform === 'log' && !(v > 0)) throw new DomainError(f, v, 'the log transform needs a positive value');
  }
}

/** JSON form of a parameter set (see `ParamSet.toJSON`). */
export interface ParamSetJSON {
  format: 'diffhep.params';
  version: 1;
  params: {
    path: string;
    shape: number[];
    values: number[];
    unit: string;
    bounds?: [number, number];
    transform: TransformName;
    trainable: boolean;
    doc?: string;
  }[];
}

/** A set of named parameters; see the module doc. */
export class ParamSet {
  readonly entries: ParamEntry[];
  private readonly byPath = new Map<string, ParamEntry>();
  private readonly defs: ParamDefTree;

  constructor(defs: ParamDefTree) {
    this.defs = defs;
    this.entries = [];
    forEachLeaf<ParamDef>(
      defs as Tree<ParamDef>,
      (def, path) => {
        validate(path, def, def.values);
        const e: ParamEntry = { path, def, values: Float64Array.from(def.values), bij: bijector(def.transform, def.bounds) };
        this.entries.push(e);
        this.byPath.set(path, e);
      },
      isParamDef,
    );
  }

  /** Paths of all parameters, in order. */
  get paths(): string[] {
    return this.entries.map((e) => e.path);
  }

  /** Entries of the trainable parameters. */
  get trainable(): ParamEntry[] {
    return this.entries.filter((e) => e.def.trainable);
  }

  /** Names of the trainable scalars, in vector order (`a.b`, `a.w[3]`). */
  trainableNames(): string[] {
    return this.trainable.flatMap((e) => (e.values.length === 1 && e.def.shape.length === 0 ? [e.path] : Array.from(e.values, (_, i) => `${e.path}[${i}]`)));
  }

  private entry(path: string): ParamEntry {
    const e = this.byPath.get(path);
    if (!e) throw new DiffhepError(`no parameter '${path}' (have: ${this.paths.join(', ')})`, path);
    return e;
  }

  /** Physical value: a number for scalars, a flat array otherwise. */
  get(path: string): number | number[] {
    const e = this.entry(path);
    return e.def.shape.length === 0 ? e.values[0] : Array.from(e.values);
  }

  /** Sets a physical value, validated against bounds and transform. */
  set(path: string, value: number | number[]): this {
    const e = this.entry(path);
    const v = typeof value === 'number' ? [value] : value;
    if (v.length !== e.values.length) throw new DiffhepError(`'${path}' holds ${e.values.length} values, got ${v.length}`, path);
    validate(path, e.def, v);
    e.values.set(v);
    return this;
  }

  /** Freezes or unfreezes a parameter. Returns a new set; this one is unchanged. */
  withTrainable(path: string, trainable: boolean): ParamSet {
    const json = this.toJSON();
    for (const p of json.params) if (p.path === path || p.path.startsWith(path + '.')) p.trainable = trainable;
    return ParamSet.fromJSON(json);
  }

  /** A deep copy. */
  clone(): ParamSet {
    return ParamSet.fromJSON(this.toJSON());
  }

  /** Physical values as a tree of numbers (scalars) and number arrays. */
  values(): Tree<number | number[]> {
    const it = this.entries[Symbol.iterator]();
    return mapTree<ParamDef, number | number[]>(
      this.defs as Tree<ParamDef>,
      () => {
        const e = it.next().value as ParamEntry;
        return e.def.shape.length === 0 ? e.values[0] : Array.from(e.values);
      },
      isParamDef,
    ) as Tree<number | number[]>;
  }

  /** Size of the trainable vector. */
  get size(): number {
    return this.trainable.reduce((s, e) => s + e.values.length, 0);
  }

  /** Physical values of the trainable parameters, concatenated. */
  trainableVector(): Float64Array {
    const out = new Float64Array(this.size);
    let k = 0;
    for (const e of this.trainable) for (const v of e.values) out[k++] = v;
    return out;
  }

  /** Unconstrained values u of the trainable parameters. */
  unconstrainedVector(): Float64Array {
    const out = new Float64Array(this.size);
    let k = 0;
    for (const e of this.trainable) for (const v of e.values) out[k++] = e.bij.inverse(v);
    return out;
  }

  /** Sets the trainable parameters from an unconstrained vector u. */
  setUnconstrained(u: ArrayLike<number>): this {
    if (u.length !== this.size) throw new DiffhepError(`unconstrained vector has length ${u.length}, expected ${this.size}`);
    let k = 0;
    for (const e of this.trainable) {
      for (let i = 0; i < e.values.length; i++, k++) {
        const x = e.bij.forward(u[k]);
        if (!Number.isFinite(x)) throw new NonFiniteError(e.values.length > 1 ? `${e.path}[${i}]` : e.path, x);
        e.values[i] = x;
      }
    }
    return this;
  }

  /** Sets the trainable parameters from physical values. */
  setTrainableVector(x: ArrayLike<number>): this {
    if (x.length !== this.size) throw new DiffhepError(`vector has length ${x.length}, expected ${this.size}`);
    let k = 0;
    for (const e of this.trainable) {
      const v = Array.from(e.values, (_, i) => x[k + i]);
      validate(e.path, e.def, v);
      e.values.set(v);
      k += v.length;
    }
    return this;
  }

  /** dx/du for each trainable scalar at the current values (for covariances). */
  jacobianDiagonal(): Float64Array {
    const u = this.unconstrainedVector();
    const out = new Float64Array(u.length);
    let k = 0;
    for (const e of this.trainable) for (let i = 0; i < e.values.length; i++, k++) out[k] = e.bij.derivative(u[k]);
    return out;
  }

  /**
   * The tree of physical values as tensors, from the unconstrained trainable
   * vector `u` (differentiable in u). Frozen parameters become constants.
   * Scalars are rank-0 tensors; arrays keep their declared shape.
   */
  physicalTree(u: Tensor): Tree<Tensor> {
    if (u.size !== this.size) throw new DiffhepError(`unconstrained tensor has ${u.size} elements, expected ${this.size}`);
    const flat = u.reshape([-1]);
    let k = 0;
    const it = this.entries[Symbol.iterator]();
    return mapTree<ParamDef, Tensor>(
      this.defs as Tree<ParamDef>,
      () => {
        const e = it.next().value as ParamEntry;
        const n = e.values.length;
        if (!e.def.trainable) return tf.tensor(Float32Array.from(e.values), e.def.shape);
        const slice = flat.slice([k], [n]);
        k += n;
        return e.bij.forwardTensor(slice).reshape(e.def.shape);
      },
      isParamDef,
    );
  }

  /** The tree of current physical values as constant tensors. */
  constantTree(): Tree<Tensor> {
    const it = this.entries[Symbol.iterator]();
    return mapTree<ParamDef, Tensor>(
      this.defs as Tree<ParamDef>,
      () => {
        const e = it.next().value as ParamEntry;
        return tf.tensor(Float32Array.from(e.values), e.def.shape);
      },
      isParamDef,
    );
  }

  /** JSON form: every parameter with its path, shape, values, unit, bounds, transform, trainable flag. */
  toJSON(): ParamSetJSON {
    return {
      format: 'diffhep.params',
      version: 1,
      params: this.entries.map((e) => ({
        path: e.path,
        shape: e.def.shape.slice(),
        values: Array.from(e.values),
        unit: e.def.unit,
        ...(e.def.bounds ? { bounds: [e.def.bounds[0], e.def.bounds[1]] as [number, number] } : {}),
        transform: e.def.transform,
        trainable: e.def.trainable,
        ...(e.def.doc ? { doc: e.def.doc } : {}),
      })),
    };
  }

  /** Rebuilds a set from its JSON form; names the path of any malformed entry. */
  static fromJSON(json: unknown): ParamSet {
    const j = json as ParamSetJSON;
    if (!j || j.format !== 'diffhep.params' || !Array.isArray(j.params)) {
      throw new DiffhepError("not a diffhep parameter file: expected {format: 'diffhep.params', params: [...]}", 'format');
    }
    const root: Record<string, unknown> = {};
    j.params.forEach((p, i) => {
      if (typeof p.path !== 'string' || p.path === '') throw new DiffhepError(`params[${i}].path is missing`, `params[${i}].path`);
      if (!Array.isArray(p.values)) throw new DiffhepError(`params[${i}].values (${p.path}) is not an array`, `params[${i}].values`);
      const shape = Array.isArray(p.shape) ? p.shape : [];
      const n = shape.reduce((a, b) => a * b, 1);
      if (n !== p.values.length) throw new DiffhepError(`params[${i}] (${p.path}): shape [${shape}] holds ${n} values, got ${p.values.length}`, `params[${i}].values`);
      const def: ParamDef = {
        kind: 'param',
        values: p.values.slice(),
        shape: shape.slice(),
        unit: p.unit ?? '',
        bounds: p.bounds,
        transform: p.transform ?? 'identity',
        trainable: p.trainable ?? true,
        doc: p.doc,
      };
      const keys = p.path.split('.');
      let node = root;
      keys.slice(0, -1).forEach((k) => {
        if (!(k in node)) node[k] = {};
        node = node[k] as Record<string, unknown>;
      });
      node[keys[keys.length - 1]] = def;
    });
    return new ParamSet(restoreArrays(root) as ParamDefTree);
  }

  /** Writes the JSON form atomically (temporary file, then rename). */
  save(file: string): void {
    writeJsonAtomic(file, this.toJSON());
  }

  /** Reads a set written by `save`. */
  static load(file: string): ParamSet {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new DiffhepError(`cannot read parameter file '${file}': ${(e as Error).message}`, 'file');
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new DiffhepError(`parameter file '${file}' is not valid JSON: ${(e as Error).message}`, 'file');
    }
    return ParamSet.fromJSON(json);
  }
}

/** Objects whose keys are exactly 0..n-1 were arrays (paths such as `layers.0.w`): rebuild them. */
function restoreArrays(node: unknown): unknown {
  if (isParamDef(node) || typeof node !== 'object' || node === null) return node;
  const entries = Object.entries(node as Record<string, unknown>).map(([k, v]) => [k, restoreArrays(v)] as const);
  const isArray = entries.length > 0 && entries.every(([k], i) => k === String(i));
  return isArray ? entries.map(([, v]) => v) : Object.fromEntries(entries);
}

/** Writes JSON so that a reader never sees a half-written file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 1));
  renameSync(tmp, file);
}

export { joinPath };
