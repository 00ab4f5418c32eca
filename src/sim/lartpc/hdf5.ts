/**
 * Segments in HDF5 with larnd-sim's field names: a compound dataset
 * `segments` (as larnd-sim and edep-sim converters write it), or a group
 * `segments/` of one 1-D dataset per field. Both forms are read; writing
 * produces the compound form by default. Uses h5wasm.
 */
import h5wasm from 'h5wasm/node';
import { DiffhepError } from '../../autodiff/index.js';
import { SEGMENT_FIELDS, allocSegments, segmentCount, type Segments } from './segments.js';

type H5 = typeof h5wasm;

async function lib(): Promise<H5> {
  await h5wasm.ready;
  return h5wasm;
}


/**
 * Writes segments to `file` (overwrites). `layout` 'compound' (default) or 'group'.
 *
 * @example
 * ```ts
 * await writeSegmentsH5('/tmp/seg.h5', segments);
 * const back = await readSegmentsH5('/tmp/seg.h5');
 * ```
 */
export async function writeSegmentsH5(file: string, seg: Segments, layout: 'compound' | 'group' = 'compound'): Promise<void> {
  const h5 = await lib();
  segmentCount(seg);
  const f = new h5.File(file, 'w');
  try {
    if (layout === 'compound') {
      const cols = new Map<string, Float32Array | Int32Array>();
      for (const k of SEGMENT_FIELDS) cols.set(k, seg[k]);
      if (seg.pdg_id) cols.set('pdg_id', seg.pdg_id);
      f.create_dataset({ name: 'segments', data: cols as never });
    } else {
      const g = f.create_group('segments');
      for (const k of SEGMENT_FIELDS) g.create_dataset({ name: k, data: seg[k] });
      if (seg.pdg_id) g.create_dataset({ name: 'pdg_id', data: seg.pdg_id });
    }
  } finally {
    f.close();
  }
}

/**
 * Reads segments from the `segments` dataset (compound) or group (1-D
 * datasets) of `file`. A missing field throws an error that names it.
 */
export async function readSegmentsH5(file: string, path = 'segments'): Promise<Segments> {
  const h5 = await lib();
  let f: InstanceType<H5['File']>;
  try {
    f = new h5.File(file, 'r');
  } catch (e) {
    throw new DiffhepError(`cannot open HDF5 file '${file}': ${(e as Error).message}`, 'file');
  }
  try {
    const node = f.get(path);
    if (!node) throw new DiffhepError(`HDF5 file '${file}' has no '${path}' dataset or group`, path);
    const columns = new Map<string, ArrayLike<number>>();
    if (node instanceof h5.Dataset) {
      const members = (node.metadata.compound_type?.members ?? []).map((m) => m.name);
      if (members.length === 0) throw new DiffhepError(`'${path}' in '${file}' is not a compound dataset`, path);
      const rows = node.value as unknown as (number | bigint)[][];
      members.forEach((name, j) => columns.set(name, rows.map((r) => Number(r[j]))));
    } else if (node instanceof h5.Group) {
      for (const k of node.keys()) {
        const d = node.get(k);
        if (d instanceof h5.Dataset) columns.set(k, Array.from(d.value as ArrayLike<number | bigint>, Number));
      }
    } else throw new DiffhepError(`'${path}' in '${file}' is neither a dataset nor a group`, path);
    for (const k of SEGMENT_FIELDS) {
      if (!columns.has(k)) throw new DiffhepError(`HDF5 file '${file}': '${path}' lacks the field '${k}' (have: ${[...columns.keys()].join(', ')})`, `${path}.${k}`);
    }
    const n = (columns.get('x_start') as ArrayLike<number>).length;
    const out = allocSegments(n);
    for (const k of SEGMENT_FIELDS) {
      const col = columns.get(k) as ArrayLike<number>;
      if (col.length !== n) throw new DiffhepError(`field '${k}' has ${col.length} entries, expected ${n}`, `${path}.${k}`);
      (out[k] as Float32Array | Int32Array).set(Array.from(col));
    }
    const pdg = columns.get('pdg_id');
    if (pdg && pdg.length === n) out.pdg_id = Int32Array.from(pdg);
    return out;
  } finally {
    f.close();
  }
}
