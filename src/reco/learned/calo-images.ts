/**
 * Calorimeter images: the cells of simulated showers as [event, x, y,
 * channel] images (channels last, as `nn.conv2dApply` reads them), where a
 * channel is the sum of a group of consecutive layers (a depth section).
 */
import { DiffhepError, DomainError, NonFiniteError, ShapeMismatchError } from '../../autodiff/index.js';
import type { ShowerEvents } from '../../sim/calo/index.js';
import type { HostArray } from './host-array.js';

/** How layers are grouped into depth sections (channels or set depths). */
export interface LayerGrouping {
  /** Split the layers into this many consecutive sections of (nearly) equal size. Default: one section per layer. */
  sections?: number;
  /** Or the explicit layer indices of each section. */
  layerGroups?: number[][];
}

/**
 * The layer groups of a grouping for `nLayers` layers (validated: indices in
 * range, no section empty).
 *
 * @example
 * ```ts
 * layerGroups(24, { sections: 6 }); // [[0..3], [4..7], …, [20..23]]
 * ```
 */
export function layerGroups(nLayers: number, g: LayerGrouping = {}): number[][] {
  if (g.layerGroups !== undefined) {
    if (!Array.isArray(g.layerGroups) || g.layerGroups.length === 0) throw new DomainError('layerGroups', g.layerGroups, 'needs at least one group');
    g.layerGroups.forEach((grp, i) => {
      if (!Array.isArray(grp) || grp.length === 0) throw new DomainError(`layerGroups[${i}]`, grp, 'a section needs at least one layer');
      grp.forEach((l, j) => {
        if (!(Number.isInteger(l) && l >= 0 && l < nLayers)) throw new DomainError(`layerGroups[${i}][${j}]`, l, `must be a layer index in [0, ${nLayers - 1}]`);
      });
    });
    return g.layerGroups.map((grp) => grp.slice());
  }
  const s = g.sections ?? nLayers;
  if (!(Number.isInteger(s) && s >= 1 && s <= nLayers)) throw new DomainError('sections', s, `must be an integer in [1, ${nLayers}] (the number of layers)`);
  return Array.from({ length: s }, (_, i) => {
    const lo = Math.round((i * nLayers) / s);
    const hi = Math.round(((i + 1) * nLayers) / s);
    return Array.from({ length: hi - lo }, (_, j) => lo + j);
  });
}

/**
 * Checks that the cell array of `ev` has B·L·n·n finite values.
 *
 * @example
 * ```ts
 * checkShowerEvents(simulateShowers(calo, { particle: 'electron', energyGeV: 5 }, prngKey(1))); // ok
 * ```
 */
export function checkShowerEvents(ev: ShowerEvents, field = 'events'): void {
  if (!ev || !(ev.visible instanceof Float32Array)) throw new DiffhepError(`'${field}' must be simulated showers (with a Float32Array 'visible')`, field);
  const { batch: B, nLayers: L, cellsPerSide: n } = ev;
  [['batch', B], ['nLayers', L], ['cellsPerSide', n]].forEach(([k, v]) => {
    if (!(Number.isInteger(v) && (v as number) >= 1)) throw new DomainError(`${field}.${k}`, v, 'must be a positive integer');
  });
  if (ev.visible.length !== B * L * n * n) throw new ShapeMismatchError(`${field}.visible`, [B * L * n * n], [ev.visible.length]);
  for (let i = 0; i < ev.visible.length; i++) {
    const v = ev.visible[i];
    if (!Number.isFinite(v)) {
      const per = L * n * n;
      throw new NonFiniteError(`${field}.visible[shower ${Math.floor(i / per)}, layer ${Math.floor((i % per) / (n * n))}, cell ${i % (n * n)}]`, v);
    }
  }
}

/** Options of `caloImages`. */
export interface CaloImageOptions extends LayerGrouping {
  /** Cell energies are divided by this [GeV of visible energy]. Default 0.1. */
  energyScaleGeV?: number;
}

/**
 * Images [B, n, n, sections] of the visible cell energies (scaled), one
 * channel per depth section.
 *
 * @example
 * ```ts
 * const ev = simulateShowers(calo, { particle: 'electron', energyGeV: 10, count: 8 }, prngKey(1));
 * const { images } = caloImages(ev, { sections: 6 }); // images.shape [8, 7, 7, 6]
 * ```
 */
export function caloImages(ev: ShowerEvents, opts: CaloImageOptions = {}): { images: HostArray } {
  checkShowerEvents(ev);
  const scale = opts.energyScaleGeV ?? 0.1;
  if (!(Number.isFinite(scale) && scale > 0)) throw new DomainError('energyScaleGeV', scale, 'must be finite and > 0');
  const { batch: B, nLayers: L, cellsPerSide: n } = ev;
  const groups = layerGroups(L, opts);
  const C = groups.length;
  const out = new Float32Array(B * n * n * C);
  for (let b = 0; b < B; b++) {
    groups.forEach((grp, c) => {
      for (const l of grp) {
        const base = (b * L + l) * n * n;
        for (let cell = 0; cell < n * n; cell++) out[(b * n * n + cell) * C + c] += ev.visible[base + cell] / scale;
      }
    });
  }
  return { images: { data: out, shape: [B, n, n, C] } };
}
