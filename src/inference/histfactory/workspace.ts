/**
 * pyhf JSON workspaces (schema 1.0.0): the types and a validator whose errors
 * name the JSON path of the offending field (`channels[1].samples[0].data[2]`).
 * Schema: https://scikit-hep.org/pyhf/likelihood.html (pyhf 0.7).
 */
import { DiffhepError } from '../../autodiff/index.js';

/** A schema violation at a JSON path. */
export class WorkspaceSchemaError extends DiffhepError {
  constructor(readonly path: string, requirement: string) {
    super(`invalid workspace at '${path}': ${requirement}`, path);
    this.name = 'WorkspaceSchemaError';
  }
}

export type ModifierType = 'normfactor' | 'lumi' | 'normsys' | 'histosys' | 'shapesys' | 'staterror' | 'shapefactor';
export const MODIFIER_TYPES: readonly ModifierType[] = ['normfactor', 'lumi', 'normsys', 'histosys', 'shapesys', 'staterror', 'shapefactor'];

export interface Modifier {
  name: string;
  type: ModifierType;
  /** normsys: {hi, lo}; histosys: {hi_data, lo_data}; shapesys/staterror: number[]; others null. */
  data: null | number[] | { hi: number; lo: number } | { hi_data: number[]; lo_data: number[] };
}

export interface Sample {
  name: string;
  data: number[];
  modifiers: Modifier[];
}

export interface Channel {
  name: string;
  samples: Sample[];
}

export interface ParameterConfig {
  name: string;
  inits?: number[];
  bounds?: [number, number][];
  auxdata?: number[];
  sigmas?: number[];
  fixed?: boolean;
}

export interface Measurement {
  name: string;
  config: { poi: string; parameters: ParameterConfig[] };
}

export interface Observation {
  name: string;
  data: number[];
}

export interface Workspace {
  channels: Channel[];
  measurements: Measurement[];
  observations: Observation[];
  version: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function need(cond: boolean, path: string, requirement: string): asserts cond {
  if (!cond) throw new WorkspaceSchemaError(path, requirement);
}

function numberArray(v: unknown, path: string, nonNegative = false): number[] {
  need(Array.isArray(v), path, `expected an array of numbers, got ${JSON.stringify(v)?.slice(0, 60)}`);
  v.forEach((x, i) => {
    need(typeof x === 'number' && Number.isFinite(x), `${path}[${i}]`, `expected a finite number, got ${JSON.stringify(x)}`);
    if (nonNegative) need(x >= 0, `${path}[${i}]`, `expected a non-negative number, got ${x}`);
  });
  return v as number[];
}

function string(v: unknown, path: string): string {
  need(typeof v === 'string' && v.length > 0, path, `expected a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function validateModifier(m: unknown, path: string, nbins: number): Modifier {
  need(isObject(m), path, 'expected an object with name, type and data');
  const name = string(m.name, `${path}.name`);
  need(typeof m.type === 'string' && (MODIFIER_TYPES as readonly string[]).includes(m.type), `${path}.type`, `expected one of ${MODIFIER_TYPES.join(', ')}, got ${JSON.stringify(m.type)}`);
  const type = m.type as ModifierType;
  need('data' in m, `${path}.data`, 'missing');
  const d = m.data;
  switch (type) {
    case 'normfactor':
    case 'lumi':
    case 'shapefactor':
      need(d === null, `${path}.data`, `expected null for a ${type} modifier, got ${JSON.stringify(d)}`);
      return { name, type, data: null };
    case 'normsys': {
      need(isObject(d), `${path}.data`, 'expected {"hi": number, "lo": number}');
      for (const k of ['hi', 'lo'] as const) {
        need(typeof d[k] === 'number' && Number.isFinite(d[k]), `${path}.data.${k}`, `expected a finite number, got ${JSON.stringify(d[k])}`);
        need((d[k] as number) > 0, `${path}.data.${k}`, `a normsys factor must be positive, got ${d[k]}`);
      }
      return { name, type, data: { hi: d.hi as number, lo: d.lo as number } };
    }
    case 'histosys': {
      need(isObject(d), `${path}.data`, 'expected {"hi_data": [...], "lo_data": [...]}');
      const hi = numberArray(d.hi_data, `${path}.data.hi_data`);
      const lo = numberArray(d.lo_data, `${path}.data.lo_data`);
      need(hi.length === nbins, `${path}.data.hi_data`, `expected ${nbins} bins, got ${hi.length}`);
      need(lo.length === nbins, `${path}.data.lo_data`, `expected ${nbins} bins, got ${lo.length}`);
      return { name, type, data: { hi_data: hi, lo_data: lo } };
    }
    case 'shapesys':
    case 'staterror': {
      const v = numberArray(d, `${path}.data`, true);
      need(v.length === nbins, `${path}.data`, `expected ${nbins} bins, got ${v.length}`);
      return { name, type, data: v };
    }
  }
}

/**
 * Checks a parsed JSON value against the workspace schema and returns it
 * typed. Throws `WorkspaceSchemaError` naming the first bad path.
 *
 * @example
 * ```ts
 * const ws = validateWorkspace(JSON.parse(readFileSync('ws.json', 'utf8')));
 * ```
 */
export function validateWorkspace(json: unknown): Workspace {
  need(isObject(json), '$', 'expected a JSON object with channels, measurements, observations, version');
  need(Array.isArray(json.channels) && json.channels.length > 0, 'channels', 'expected a non-empty array');
  const names = new Set<string>();
  const channels: Channel[] = json.channels.map((c: unknown, ci: number) => {
    const cp = `channels[${ci}]`;
    need(isObject(c), cp, 'expected an object with name and samples');
    const name = string(c.name, `${cp}.name`);
    need(!names.has(name), `${cp}.name`, `duplicate channel name ${JSON.stringify(name)}`);
    names.add(name);
    need(Array.isArray(c.samples) && c.samples.length > 0, `${cp}.samples`, 'expected a non-empty array');
    let nbins = -1;
    const samples = c.samples.map((s: unknown, si: number) => {
      const sp = `${cp}.samples[${si}]`;
      need(isObject(s), sp, 'expected an object with name, data and modifiers');
      const sname = string(s.name, `${sp}.name`);
      const data = numberArray(s.data, `${sp}.data`);
      data.forEach((x, i) => need(x >= 0, `${sp}.data[${i}]`, `sample yields must be non-negative, got ${x}`));
      if (nbins < 0) nbins = data.length;
      need(data.length === nbins && nbins > 0, `${sp}.data`, `expected ${nbins} bins like the channel's first sample, got ${data.length}`);
      need(Array.isArray(s.modifiers), `${sp}.modifiers`, 'expected an array');
      const modifiers = s.modifiers.map((m: unknown, mi: number) => validateModifier(m, `${sp}.modifiers[${mi}]`, nbins));
      return { name: sname, data, modifiers };
    });
    return { name, samples };
  });
  need(Array.isArray(json.observations) && json.observations.length > 0, 'observations', 'expected a non-empty array');
  const observations: Observation[] = json.observations.map((o: unknown, oi: number) => {
    const op = `observations[${oi}]`;
    need(isObject(o), op, 'expected an object with name and data');
    const name = string(o.name, `${op}.name`);
    const ch = channels.find((c) => c.name === name);
    need(ch !== undefined, `${op}.name`, `no channel named ${JSON.stringify(name)}`);
    const data = numberArray(o.data, `${op}.data`, true);
    need(data.length === ch.samples[0].data.length, `${op}.data`, `expected ${ch.samples[0].data.length} bins, got ${data.length}`);
    return { name, data };
  });
  need(Array.isArray(json.measurements) && json.measurements.length > 0, 'measurements', 'expected a non-empty array');
  const measurements: Measurement[] = json.measurements.map((m: unknown, mi: number) => {
    const mp = `measurements[${mi}]`;
    need(isObject(m), mp, 'expected an object with name and config');
    const name = string(m.name, `${mp}.name`);
    need(isObject(m.config), `${mp}.config`, 'expected an object with poi and parameters');
    const poi = string(m.config.poi, `${mp}.config.poi`);
    const ps = m.config.parameters ?? [];
    need(Array.isArray(ps), `${mp}.config.parameters`, 'expected an array');
    const parameters = ps.map((p: unknown, pi: number) => {
      const pp = `${mp}.config.parameters[${pi}]`;
      need(isObject(p), pp, 'expected an object');
      const out: ParameterConfig = { name: string(p.name, `${pp}.name`) };
      if (p.inits !== undefined) out.inits = numberArray(p.inits, `${pp}.inits`);
      if (p.auxdata !== undefined) out.auxdata = numberArray(p.auxdata, `${pp}.auxdata`);
      if (p.sigmas !== undefined) out.sigmas = numberArray(p.sigmas, `${pp}.sigmas`, true);
      if (p.fixed !== undefined) {
        need(typeof p.fixed === 'boolean', `${pp}.fixed`, `expected a boolean, got ${JSON.stringify(p.fixed)}`);
        out.fixed = p.fixed;
      }
      if (p.bounds !== undefined) {
        need(Array.isArray(p.bounds), `${pp}.bounds`, 'expected an array of [lo, hi] pairs');
        out.bounds = p.bounds.map((b: unknown, bi: number) => {
          const bp = `${pp}.bounds[${bi}]`;
          const v = numberArray(b, bp);
          need(v.length === 2 && v[0] <= v[1], bp, `expected [lo, hi] with lo <= hi, got ${JSON.stringify(b)}`);
          return [v[0], v[1]] as [number, number];
        });
      }
      return out;
    });
    return { name, config: { poi, parameters } };
  });
  need(typeof json.version === 'string', 'version', `expected "1.0.0", got ${JSON.stringify(json.version)}`);
  need(json.version === '1.0.0', 'version', `unsupported schema version ${JSON.stringify(json.version)} (expected "1.0.0")`);
  return { channels, measurements, observations, version: json.version };
}
