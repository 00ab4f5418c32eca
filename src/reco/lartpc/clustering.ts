/**
 * Clustering of an event's hits: connected components of the graph linking
 * hits closer than `linkCm` (single linkage, union-find on a spatial grid),
 * on the host at the current point positions. Like the trigger schedule, the
 * assignment is discrete and carries no gradient; everything computed per
 * cluster from it (charges, axes, energies) is differentiable. Hits with a
 * selection weight below `minWeight` are left out (label −1).
 */
import { DomainError } from '../../autodiff/index.js';

/** Cluster labels: 0..nClusters−1 by decreasing total charge, −1 for unclustered hits. */
export interface Clusters {
  label: Int32Array;
  count: number;
  /** Total (weighted) charge of each cluster, decreasing. */
  charge: number[];
}

/**
 * Connected components of points (flat [n·3], cm) with weights and charges.
 *
 * @example
 * ```ts
 * const cl = clusterHits(xyzHost, wHost, qHost, 1.5); // cl.label[i] == 0: the largest cluster
 * ```
 */
export function clusterHits(xyz: ArrayLike<number>, weight: ArrayLike<number>, charge: ArrayLike<number>, linkCm = 1.5, minWeight = 0.5): Clusters {
  if (!(linkCm > 0)) throw new DomainError('linkCm', linkCm, 'must be > 0 cm');
  const n = weight.length;
  if (xyz.length !== 3 * n) throw new DomainError('xyz', xyz.length, `must hold 3 coordinates per hit (${3 * n})`);
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  const cell = (v: number) => Math.floor(v / linkCm);
  const grid = new Map<string, number[]>();
  const keep: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!(weight[i] >= minWeight)) continue;
    keep.push(i);
    const k = `${cell(xyz[3 * i])},${cell(xyz[3 * i + 1])},${cell(xyz[3 * i + 2])}`;
    const list = grid.get(k);
    if (list) list.push(i);
    else grid.set(k, [i]);
  }
  const l2 = linkCm * linkCm;
  for (const i of keep) {
    const cx = cell(xyz[3 * i]);
    const cy = cell(xyz[3 * i + 1]);
    const cz = cell(xyz[3 * i + 2]);
    for (let a = -1; a <= 1; a++) {
      for (let b = -1; b <= 1; b++) {
        for (let c = -1; c <= 1; c++) {
          const list = grid.get(`${cx + a},${cy + b},${cz + c}`);
          if (!list) continue;
          for (const j of list) {
            if (j <= i) continue;
            const d2 = (xyz[3 * i] - xyz[3 * j]) ** 2 + (xyz[3 * i + 1] - xyz[3 * j + 1]) ** 2 + (xyz[3 * i + 2] - xyz[3 * j + 2]) ** 2;
            if (d2 <= l2) {
              const ri = find(i);
              const rj = find(j);
              if (ri !== rj) parent[Math.max(ri, rj)] = Math.min(ri, rj);
            }
          }
        }
      }
    }
  }
  const total = new Map<number, number>();
  for (const i of keep) {
    const r = find(i);
    total.set(r, (total.get(r) ?? 0) + weight[i] * charge[i]);
  }
  const roots = [...total.keys()].sort((a, b) => (total.get(b) as number) - (total.get(a) as number) || a - b);
  const id = new Map(roots.map((r, k) => [r, k]));
  const label = new Int32Array(n).fill(-1);
  for (const i of keep) label[i] = id.get(find(i)) as number;
  return { label, count: roots.length, charge: roots.map((r) => total.get(r) as number) };
}
