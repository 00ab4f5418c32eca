/**
 * A binned HistFactory model compiled from a pyhf workspace, with the same
 * parameter order, suggested inits/bounds, constraint terms and likelihood
 * constants as pyhf 0.7, so numbers compare one for one.
 *
 * Two evaluation paths of the same model: a tensor path (`nllTensor`,
 * `expectedTensor`) that autodiff differentiates, and a float64 host path
 * (`twiceNll`, `expected`) that fits use for objective values and that
 * reports twice the NLL to 1e-12 relative.
 *
 * Expected rate of sample s in bin b: (nom + Σ histosys shifts) × Π factors
 * (normfactor, lumi, normsys, shapesys γ, staterror γ, shapefactor).
 * Constraints: normsys/histosys N(0 | α, 1); lumi and staterror Gaussian;
 * shapesys Poisson(τ | γτ) with τ = (nom/σ)².
 */
import { tf, type Tensor, DomainError, DiffhepError, special } from '../../autodiff/index.js';
import { validateWorkspace, type Workspace, type ModifierType } from './workspace.js';
import { code4Coefficients, histosysDelta, normsysFactor, type HistosysCode, type NormsysCode } from './interpolation.js';

/** Product over axis 0 by explicit multiplies (tf.prod's gradient has no second derivative; unstack's gradient needs every output used). */
function productOverLayers(t: Tensor): Tensor {
  const [L, E] = t.shape;
  let acc = t.slice([0, 0], [1, E]);
  for (let l = 1; l < L; l++) acc = tf.mul(acc, t.slice([l, 0], [1, E]));
  return acc.reshape([E]);
}

/** pyhf's order of modifier types when it registers parameter sets. */
const TYPE_ORDER: ModifierType[] = ['histosys', 'lumi', 'normfactor', 'normsys', 'shapefactor', 'shapesys', 'staterror'];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Options of `HistFactoryModel`. */
export interface ModelOptions {
  /** Measurement name (default: the first). */
  measurement?: string;
  /**
   * normsys interpolation. Default code4, what pyhf 0.7 uses by default (the
   * validation workspaces' reference numbers reproduce to 1e-12 only with
   * code4/code4p, although their description says code1/code0).
   */
  normsys?: NormsysCode;
  /** histosys interpolation. Default code4p (pyhf 0.7's default). */
  histosys?: HistosysCode;
}

/** One named parameter set (a scalar or one component per bin). */
export interface ParameterSet {
  name: string;
  type: ModifierType;
  offset: number;
  size: number;
  inits: number[];
  bounds: [number, number][];
  fixed: boolean[];
  constraint: 'normal' | 'poisson' | null;
  /** Gaussian widths (normal) per component. */
  sigmas: number[];
  /** Poisson τ per component (poisson). */
  taus: number[];
  /** Nominal auxiliary data per component. */
  auxdata: number[];
  /** Components that enter the constraint (masked-out ones are fixed). */
  constrained: boolean[];
}

interface Entry {
  channel: number;
  sample: string;
  nom: number[];
  binOffset: number;
}

interface HistoInst { entry: number; param: number; up: number[]; dn: number[] }
interface NormInst { entry: number; param: number; hi: number; lo: number; coef: number[] }
interface LinInst { entry: number; params: number[] } // one param index per bin of the entry

/** A compiled HistFactory model. */
export class HistFactoryModel {
  readonly workspace: Workspace;
  readonly parameters: ParameterSet[] = [];
  /** Parameter set names in pyhf order. */
  readonly parOrder: string[];
  /** Total number of scalar parameters. */
  readonly size: number;
  readonly poiName: string;
  /** Scalar index of the parameter of interest. */
  readonly poiIndex: number;
  /** Channels in pyhf's (sorted) order with their bin offsets. */
  readonly channels: { name: string; nbins: number; offset: number }[];
  readonly nBins: number;
  readonly normsysCode: NormsysCode;
  readonly histosysCode: HistosysCode;
  private entries: Entry[] = [];
  private histo: HistoInst[] = [];
  private norm: NormInst[] = [];
  private lin: LinInst[] = [];
  /** Scalar indices and metadata of the constraint terms. */
  private normalIdx: number[] = [];
  private normalSigma: number[] = [];
  private poissonIdx: number[] = [];
  private poissonTau: number[] = [];
  private tensors?: Record<string, Tensor>;

  /**
   * @example
   * ```ts
   * const model = HistFactoryModel.fromJSON(JSON.parse(readFileSync('ws.json', 'utf8')));
   * model.twiceNll(model.suggestedInit(), model.observedData());
   * ```
   */
  constructor(workspace: Workspace, options: ModelOptions = {}) {
    this.workspace = workspace;
    this.normsysCode = options.normsys ?? 'code4';
    this.histosysCode = options.histosys ?? 'code4p';
    const meas = options.measurement ? workspace.measurements.find((m) => m.name === options.measurement) : workspace.measurements[0];
    if (!meas) throw new DomainError('measurement', options.measurement, `no such measurement (have ${workspace.measurements.map((m) => m.name).join(', ')})`);
    const sorted = workspace.channels.map((c, i) => ({ c, i })).sort((a, b) => (a.c.name < b.c.name ? -1 : a.c.name > b.c.name ? 1 : 0));
    let off = 0;
    this.channels = sorted.map(({ c }) => {
      const r = { name: c.name, nbins: c.samples[0].data.length, offset: off };
      off += r.nbins;
      return r;
    });
    this.nBins = off;

    // 1. Collect parameter sets in pyhf order: by modifier type, then first appearance in the spec.
    type Req = { name: string; type: ModifierType; size: number };
    const reqs = new Map<ModifierType, Req[]>();
    const owner = new Map<string, Req>();
    const compatible = (a: ModifierType, b: ModifierType) => a === b || ((a === 'normsys' || a === 'histosys') && (b === 'normsys' || b === 'histosys'));
    workspace.channels.forEach((c, ci) =>
      c.samples.forEach((s, si) =>
        s.modifiers.forEach((m, mi) => {
          const path = `channels[${ci}].samples[${si}].modifiers[${mi}]`;
          const size = m.type === 'shapesys' || m.type === 'staterror' || m.type === 'shapefactor' ? s.data.length : 1;
          const prev = owner.get(m.name);
          if (prev) {
            if (!compatible(prev.type, m.type)) throw new DiffhepError(`modifier '${m.name}' at ${path} is a ${m.type} but is already a ${prev.type}`, path);
            if (prev.size !== size) throw new DiffhepError(`modifier '${m.name}' at ${path} has ${size} bins but was declared with ${prev.size}`, path);
            return;
          }
          const r = { name: m.name, type: m.type, size };
          owner.set(m.name, r);
          if (!reqs.has(m.type)) reqs.set(m.type, []);
          reqs.get(m.type)!.push(r);
        }),
      ),
    );
    let offset = 0;
    const byName = new Map<string, ParameterSet>();
    for (const t of TYPE_ORDER) {
      for (const r of reqs.get(t) ?? []) {
        const ps = this.defaultParameterSet(r.name, r.type, r.size, offset);
        offset += r.size;
        this.parameters.push(ps);
        byName.set(r.name, ps);
      }
    }
    this.size = offset;
    this.parOrder = this.parameters.map((p) => p.name);

    // 2. Entries (channel × sample) and modifier instances.
    sorted.forEach(({ c }, chIdx) => {
      const ch = this.channels[chIdx];
      const stat = new Map<string, { sumNom: number[]; sumVar: number[] }>();
      for (const s of c.samples) {
        const entry = this.entries.length;
        this.entries.push({ channel: chIdx, sample: s.name, nom: s.data.slice(), binOffset: ch.offset });
        for (const m of s.modifiers) {
          const ps = byName.get(m.name)!;
          switch (m.type) {
            case 'histosys': {
              const d = m.data as { hi_data: number[]; lo_data: number[] };
              this.histo.push({ entry, param: ps.offset, up: d.hi_data.map((h, b) => h - s.data[b]), dn: d.lo_data.map((l, b) => s.data[b] - l) });
              break;
            }
            case 'normsys': {
              const d = m.data as { hi: number; lo: number };
              this.norm.push({ entry, param: ps.offset, hi: d.hi, lo: d.lo, coef: code4Coefficients(d.hi, d.lo) });
              break;
            }
            case 'normfactor':
            case 'lumi':
              this.lin.push({ entry, params: s.data.map(() => ps.offset) });
              break;
            case 'shapefactor':
            case 'shapesys':
            case 'staterror':
              this.lin.push({ entry, params: s.data.map((_, b) => ps.offset + b) });
              if (m.type === 'shapesys') {
                const sig = m.data as number[];
                s.data.forEach((nom, b) => {
                  const ok = nom > 0 && sig[b] > 0;
                  ps.constrained[b] = ok;
                  ps.taus[b] = ok ? (nom / sig[b]) ** 2 : 1;
                  ps.auxdata[b] = ps.taus[b];
                  if (!ok) ps.fixed[b] = true;
                });
              }
              if (m.type === 'staterror') {
                const acc = stat.get(m.name) ?? { sumNom: s.data.map(() => 0), sumVar: s.data.map(() => 0) };
                const sig = m.data as number[];
                s.data.forEach((nom, b) => {
                  acc.sumNom[b] += nom;
                  acc.sumVar[b] += sig[b] * sig[b];
                });
                stat.set(m.name, acc);
              }
              break;
          }
        }
      }
      for (const [name, acc] of stat) {
        const ps = byName.get(name)!;
        acc.sumNom.forEach((n, b) => {
          const ok = n > 0 && acc.sumVar[b] > 0;
          ps.constrained[b] = ok;
          ps.sigmas[b] = ok ? Math.sqrt(acc.sumVar[b]) / n : 1;
          if (!ok) ps.fixed[b] = true;
        });
      }
    });

    // 3. Measurement overrides (inits, bounds, fixed, auxdata, sigmas).
    meas.config.parameters.forEach((pc, i) => {
      const path = `measurements[${workspace.measurements.indexOf(meas)}].config.parameters[${i}]`;
      const ps = byName.get(pc.name);
      if (!ps) throw new DomainError(`${path}.name`, pc.name, 'no modifier with this name in the model');
      const sized = (v: unknown[] | undefined, field: string) => {
        if (v && v.length !== ps.size) throw new DomainError(`${path}.${field}`, v, `expected ${ps.size} value(s) for '${ps.name}'`);
        return v;
      };
      if (sized(pc.inits, 'inits')) ps.inits = pc.inits!.slice();
      if (sized(pc.bounds, 'bounds')) ps.bounds = pc.bounds!.map((b) => [b[0], b[1]]);
      if (pc.fixed) ps.fixed = ps.fixed.map(() => true);
      if (sized(pc.auxdata, 'auxdata')) ps.auxdata = pc.auxdata!.slice();
      if (sized(pc.sigmas, 'sigmas')) ps.sigmas = pc.sigmas!.slice();
      if (ps.type === 'lumi' && !pc.inits && pc.auxdata) ps.inits = pc.auxdata.slice();
    });
    const lumi = this.parameters.find((p) => p.type === 'lumi');
    if (lumi && !meas.config.parameters.some((p) => p.name === lumi.name && p.sigmas)) {
      throw new DomainError(`measurements[${workspace.measurements.indexOf(meas)}].config.parameters`, lumi.name, 'a lumi modifier needs auxdata and sigmas in the measurement config');
    }
    const poi = byName.get(meas.config.poi);
    if (!poi) throw new DomainError(`measurements[${workspace.measurements.indexOf(meas)}].config.poi`, meas.config.poi, 'no modifier with this name in the model');
    if (poi.size !== 1) throw new DomainError('poi', meas.config.poi, 'the POI must be a scalar parameter');
    this.poiName = poi.name;
    this.poiIndex = poi.offset;
    for (const ps of this.parameters) {
      ps.inits.forEach((v, k) => {
        const [lo, hi] = ps.bounds[k];
        if (!(v >= lo && v <= hi)) throw new DomainError(`${ps.name}.inits[${k}]`, v, `outside the bounds [${lo}, ${hi}]`);
      });
      for (let k = 0; k < ps.size; k++) {
        if (ps.constraint === 'normal' && ps.constrained[k]) {
          this.normalIdx.push(ps.offset + k);
          this.normalSigma.push(ps.sigmas[k]);
        } else if (ps.constraint === 'poisson' && ps.constrained[k]) {
          this.poissonIdx.push(ps.offset + k);
          this.poissonTau.push(ps.taus[k]);
        }
      }
    }
    const rates = this.expected(this.suggestedInit());
    this.checkRates(rates, 'at the suggested initial parameters');
  }

  /** Validates JSON and compiles it. */
  static fromJSON(json: unknown, options: ModelOptions = {}): HistFactoryModel {
    return new HistFactoryModel(validateWorkspace(json), options);
  }

  private defaultParameterSet(name: string, type: ModifierType, size: number, offset: number): ParameterSet {
    const fill = <T>(v: T) => Array.from({ length: size }, () => v);
    const base = { name, type, offset, size, fixed: fill(false), sigmas: fill(1), taus: fill(1), constrained: fill(false) };
    switch (type) {
      case 'normsys':
      case 'histosys':
        return { ...base, inits: fill(0), bounds: fill([-5, 5] as [number, number]), constraint: 'normal', auxdata: fill(0), constrained: fill(true) };
      case 'lumi':
        return { ...base, inits: fill(1), bounds: fill([0, 10] as [number, number]), constraint: 'normal', auxdata: fill(1), constrained: fill(true) };
      case 'normfactor':
      case 'shapefactor':
        return { ...base, inits: fill(1), bounds: fill([0, 10] as [number, number]), constraint: null, auxdata: [] };
      case 'staterror':
        return { ...base, inits: fill(1), bounds: fill([1e-10, 10] as [number, number]), constraint: 'normal', auxdata: fill(1) };
      case 'shapesys':
        return { ...base, inits: fill(1), bounds: fill([1e-10, 10] as [number, number]), constraint: 'poisson', auxdata: fill(1) };
    }
  }

  /** Suggested initial values (pyhf `suggested_init`). */
  suggestedInit(): number[] {
    return this.parameters.flatMap((p) => p.inits);
  }

  /** Suggested bounds (pyhf `suggested_bounds`). */
  suggestedBounds(): [number, number][] {
    return this.parameters.flatMap((p) => p.bounds.map((b) => [b[0], b[1]] as [number, number]));
  }

  /** Which scalars are fixed (pyhf `suggested_fixed`). */
  suggestedFixed(): boolean[] {
    return this.parameters.flatMap((p) => p.fixed);
  }

  /** Scalar names: `mu`, `staterror_0[1]`. */
  scalarNames(): string[] {
    return this.parameters.flatMap((p) => (p.size === 1 ? [p.name] : p.inits.map((_, k) => `${p.name}[${k}]`)));
  }

  /** Nominal auxiliary data (Gaussian constraints first, then Poisson). */
  auxdata(): number[] {
    const byIdx = (i: number) => {
      const ps = this.parameters.find((p) => i >= p.offset && i < p.offset + p.size)!;
      return ps.auxdata[i - ps.offset];
    };
    return [...this.normalIdx.map(byIdx), ...this.poissonIdx.map(byIdx)];
  }

  /** The observed main data in channel order, and the nominal auxdata. */
  observedData(): { main: number[]; aux: number[] } {
    const main = this.channels.flatMap((c) => {
      const obs = this.workspace.observations.find((o) => o.name === c.name);
      if (!obs) throw new DomainError('observations', c.name, 'no observation for this channel');
      return obs.data;
    });
    return { main, aux: this.auxdata() };
  }

  private checkRates(rates: ArrayLike<number>, where: string): void {
    for (let b = 0; b < rates.length; b++) {
      const v = rates[b];
      if (!(v > 0)) {
        const ch = this.channels.find((c) => b >= c.offset && b < c.offset + c.nbins)!;
        throw new DomainError(`${ch.name}[${b - ch.offset}]`, v, `expected events must be positive ${where} (a bin with zero or negative expected events has no Poisson likelihood)`);
      }
    }
  }

  /** Expected main-bin rates at `x` (float64). */
  expected(x: ArrayLike<number>): Float64Array {
    const rates = new Float64Array(this.nBins);
    const perEntry = this.entries.map((e) => ({ add: e.nom.slice(), mul: e.nom.map(() => 1) }));
    for (const h of this.histo) {
      const a = x[h.param];
      const pe = perEntry[h.entry];
      for (let b = 0; b < pe.add.length; b++) pe.add[b] += histosysDelta(this.histosysCode, a, h.up[b], h.dn[b]);
    }
    for (const n of this.norm) {
      const f = normsysFactor(this.normsysCode, x[n.param], n.hi, n.lo, n.coef);
      const pe = perEntry[n.entry];
      for (let b = 0; b < pe.mul.length; b++) pe.mul[b] *= f;
    }
    for (const l of this.lin) {
      const pe = perEntry[l.entry];
      for (let b = 0; b < pe.mul.length; b++) pe.mul[b] *= x[l.params[b]];
    }
    this.entries.forEach((e, i) => {
      const pe = perEntry[i];
      for (let b = 0; b < pe.add.length; b++) rates[e.binOffset + b] += pe.add[b] * pe.mul[b];
    });
    return rates;
  }

  /** Expected auxiliary data at `x` (pyhf `expected_auxdata`). */
  expectedAux(x: ArrayLike<number>): number[] {
    return [...this.normalIdx.map((i) => x[i]), ...this.poissonIdx.map((i, k) => x[i] * this.poissonTau[k])];
  }

  /** Expected data (main and aux) at `x`: the Asimov dataset for those parameters. */
  expectedData(x: ArrayLike<number>): { main: number[]; aux: number[] } {
    return { main: Array.from(this.expected(x)), aux: this.expectedAux(x) };
  }

  /**
   * log L(x | data) with pyhf's constants (lgamma(n+1), Gaussian
   * normalization), float64. Returns NaN when a rate is not positive (a fit
   * rejects such a step); `checkRates` turns that into an error at the start.
   */
  logpdf(x: ArrayLike<number>, data: { main: ArrayLike<number>; aux: ArrayLike<number> }): number {
    const rates = this.expected(x);
    let s = 0;
    let c = 0;
    const add = (v: number) => {
      const t = s + v;
      c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
      s = t;
    };
    for (let b = 0; b < this.nBins; b++) {
      const lam = rates[b];
      const n = data.main[b];
      if (!(lam > 0)) return NaN;
      add((n > 0 ? n * Math.log(lam) : 0) - lam - special.lgamma(n + 1));
    }
    this.normalIdx.forEach((i, k) => {
      const z = (data.aux[k] - x[i]) / this.normalSigma[k];
      add(-0.5 * z * z - Math.log(this.normalSigma[k]) - HALF_LOG_2PI);
    });
    const nn = this.normalIdx.length;
    this.poissonIdx.forEach((i, k) => {
      const lam = x[i] * this.poissonTau[k];
      const n = data.aux[nn + k];
      if (!(lam > 0)) {
        add(NaN);
        return;
      }
      add((n > 0 ? n * Math.log(lam) : 0) - lam - special.lgamma(n + 1));
    });
    return s + c;
  }

  /** −2 log L (pyhf `twice_nll`), float64. */
  twiceNll(x: ArrayLike<number>, data: { main: ArrayLike<number>; aux: ArrayLike<number> }): number {
    return -2 * this.logpdf(x, data);
  }

  /** The constant tensors of the tensor path (built once; `dispose()` frees them). */
  private tens(): Record<string, Tensor> {
    if (this.tensors) return this.tensors;
    const E = this.entries.reduce((s, e) => s + e.nom.length, 0);
    const entryOffset: number[] = [];
    let o = 0;
    for (const e of this.entries) {
      entryOffset.push(o);
      o += e.nom.length;
    }
    const n = this.size;
    const nom = new Float32Array(E);
    const seg = new Int32Array(E);
    this.entries.forEach((e, i) => e.nom.forEach((v, b) => {
      nom[entryOffset[i] + b] = v;
      seg[entryOffset[i] + b] = e.binOffset + b;
    }));
    // Layers: at most one instance per entry per layer, so a product over layers is the product over instances.
    const layers = <T extends { entry: number }>(insts: T[]): T[][] => {
      const out: T[][] = [];
      for (const inst of insts) {
        let l = out.find((layer) => !layer.some((q) => q.entry === inst.entry));
        if (!l) out.push((l = []));
        l.push(inst);
      }
      return out;
    };
    const t: Record<string, Tensor> = {};
    t.nom = tf.tensor1d(nom);
    t.seg = tf.tensor1d(seg, 'int32');
    const K = this.histo.length;
    if (K) {
      const up = new Float32Array(K * E);
      const dn = new Float32Array(K * E);
      this.histo.forEach((h, k) => h.up.forEach((u, b) => {
        up[k * E + entryOffset[h.entry] + b] = u;
        dn[k * E + entryOffset[h.entry] + b] = h.dn[b];
      }));
      t.hUp = tf.tensor2d(up, [K, E]);
      t.hDn = tf.tensor2d(dn, [K, E]);
      t.hIdx = tf.tensor1d(this.histo.map((h) => h.param), 'int32');
    }
    const nl = layers(this.norm);
    if (nl.length) {
      const L = nl.length;
      const idx = new Int32Array(L * E).fill(n);
      const lh = new Float32Array(L * E);
      const ll = new Float32Array(L * E);
      const coef = new Float32Array(6 * L * E);
      nl.forEach((layer, l) => layer.forEach((q) => {
        for (let b = 0; b < this.entries[q.entry].nom.length; b++) {
          const j = l * E + entryOffset[q.entry] + b;
          idx[j] = q.param;
          lh[j] = Math.log(q.hi);
          ll[j] = Math.log(q.lo);
          for (let i = 0; i < 6; i++) coef[i * L * E + j] = q.coef[i];
        }
      }));
      t.nIdx = tf.tensor2d(idx, [L, E], 'int32');
      t.nLogHi = tf.tensor2d(lh, [L, E]);
      t.nLogLo = tf.tensor2d(ll, [L, E]);
      t.nCoef = tf.tensor3d(coef, [6, L, E]);
    }
    const ll2 = layers(this.lin);
    if (ll2.length) {
      const L = ll2.length;
      const idx = new Int32Array(L * E).fill(n);
      ll2.forEach((layer, l) => layer.forEach((q) => q.params.forEach((p, b) => (idx[l * E + entryOffset[q.entry] + b] = p))));
      t.lIdx = tf.tensor2d(idx, [L, E], 'int32');
    }
    if (this.normalIdx.length) {
      t.cnIdx = tf.tensor1d(this.normalIdx, 'int32');
      t.cnSigma = tf.tensor1d(this.normalSigma);
    }
    if (this.poissonIdx.length) {
      t.cpIdx = tf.tensor1d(this.poissonIdx, 'int32');
      t.cpTau = tf.tensor1d(this.poissonTau);
    }
    for (const v of Object.values(t)) tf.keep(v);
    this.tensors = t;
    return t;
  }

  /** Frees the model's constant tensors. */
  dispose(): void {
    if (this.tensors) for (const v of Object.values(this.tensors)) v.dispose();
    this.tensors = undefined;
  }

  /** Per-sample expected yields before summing into bins (tensor path). */
  private entryYields(x: Tensor, nominal?: Tensor): Tensor {
    const t = this.tens();
    let add = nominal ?? t.nom;
    if (t.hIdx) {
      const a = tf.gather(x, t.hIdx).reshape([-1, 1]);
      const pos = tf.relu(a);
      const neg = tf.sub(a, pos);
      let delta: Tensor;
      if (this.histosysCode === 'code0') {
        delta = tf.add(tf.mul(pos, t.hUp), tf.mul(neg, t.hDn));
      } else {
        const lin = tf.add(tf.mul(pos, t.hUp), tf.mul(neg, t.hDn));
        const s = tf.mul(0.5, tf.add(t.hUp, t.hDn));
        const aa = tf.mul(0.0625, tf.sub(t.hUp, t.hDn));
        const a2 = tf.square(a);
        const poly = tf.mul(a, tf.add(s, tf.mul(tf.mul(a, aa), tf.add(15, tf.mul(a2, tf.sub(tf.mul(3, a2), 10))))));
        // Branch masks by tf.step (a comparison has no gradient, which breaks second derivatives).
        const outside = tf.step(tf.sub(tf.abs(a), 1));
        delta = tf.add(poly, tf.mul(outside, tf.sub(lin, poly)));
      }
      add = tf.add(add, tf.sum(delta, 0));
    }
    let mul: Tensor | null = null;
    if (t.nIdx) {
      const a = tf.gather(tf.concat([x, tf.zeros([1])]), t.nIdx);
      const pos = tf.relu(a);
      const neg = tf.sub(a, pos);
      const expo = tf.exp(tf.sub(tf.mul(pos, t.nLogHi), tf.mul(neg, t.nLogLo)));
      let f = expo;
      if (this.normsysCode === 'code4') {
        let poly: Tensor = tf.onesLike(a);
        let p: Tensor = tf.onesLike(a);
        const [, L, E] = t.nCoef.shape;
        for (let i = 0; i < 6; i++) {
          p = tf.mul(p, a);
          poly = tf.add(poly, tf.mul(t.nCoef.slice([i, 0, 0], [1, L, E]).reshape([L, E]), p));
        }
        const outside = tf.step(tf.sub(tf.abs(a), 1));
        f = tf.add(poly, tf.mul(outside, tf.sub(expo, poly)));
      }
      mul = productOverLayers(f);
    }
    if (t.lIdx) {
      const g = productOverLayers(tf.gather(tf.concat([x, tf.ones([1])]), t.lIdx));
      mul = mul ? tf.mul(mul, g) : g;
    }
    return mul ? tf.mul(add, mul) : add;
  }

  /** Expected main-bin rates as a differentiable function of the parameter vector `x`. */
  expectedTensor(x: Tensor): Tensor {
    const t = this.tens();
    return tf.unsortedSegmentSum(this.entryYields(x), t.seg as tf.Tensor1D, this.nBins);
  }

  /**
   * −log L(x | data) as a tensor, differentiable in `x` and in the data,
   * without the terms that depend on the data alone (lgamma(n+1) and the
   * Gaussian normalization): the float64 `twiceNll` adds them. Leaves memory
   * to the caller's `tidy`.
   */
  nllTensor(x: Tensor, main: Tensor, aux: Tensor): Tensor {
    const t = this.tens();
    const lam = this.expectedTensor(x);
    let nll = tf.sum(tf.sub(lam, tf.mul(main, tf.log(lam))));
    const nn = this.normalIdx.length;
    if (t.cnIdx) {
      const z = tf.div(tf.sub(aux.slice([0], [nn]), tf.gather(x, t.cnIdx)), t.cnSigma);
      nll = tf.add(nll, tf.mul(0.5, tf.sum(tf.square(z))));
    }
    if (t.cpIdx) {
      const lamc = tf.mul(tf.gather(x, t.cpIdx), t.cpTau);
      const n = aux.slice([nn], [this.poissonIdx.length]);
      nll = tf.add(nll, tf.sum(tf.sub(lamc, tf.mul(n, tf.log(lamc)))));
    }
    return nll;
  }
}
