/**
 * Event display of one shower: a heatmap of energy per layer (x axis) and
 * cell column (y axis: the cells' x index, summed over their y index).
 */
import { savePlot, heatmapWithPath } from '../../plot/index.js';
import { DomainError } from '../../autodiff/index.js';
import type { ShowerEvents } from './simulate.js';

/**
 * Writes the display of shower `index` of `events` to `file` (PNG/SVG/JSON).
 *
 * @example
 * ```ts
 * await saveEventDisplay(simulateShowers(calo, gun, prngKey(1)), 0, 'out/shower.png');
 * ```
 */
export async function saveEventDisplay(events: ShowerEvents, index: number, file: string, which: 'visible' | 'deposited' = 'deposited'): Promise<string> {
  if (!(Number.isInteger(index) && index >= 0 && index < events.batch)) throw new DomainError('index', index, `must be an integer in [0, ${events.batch})`);
  const { nLayers: L, cellsPerSide: n } = events;
  const data = events[which];
  if (data.length !== events.batch * L * n * n) throw new DomainError('events', data.length, 'need per-cell energies (simulate with output "cells")');
  const cells: { x: number; y: number; value: number }[] = [];
  for (let l = 0; l < L; l++) {
    for (let ix = 0; ix < n; ix++) {
      let sum = 0;
      for (let iy = 0; iy < n; iy++) sum += data[((index * L + l) * n + ix) * n + iy];
      cells.push({ x: l, y: ix - (n - 1) / 2, value: sum * 1000 });
    }
  }
  const spec = heatmapWithPath(cells, [], {
    title: `${which} energy, shower ${index} (E = ${events.energyGeV[index].toPrecision(3)} GeV)`,
    x: { title: 'layer' },
    y: { title: 'cell column (x index)' },
    value: 'MeV',
    logColor: true,
    width: 420,
    height: 160,
  });
  return savePlot(spec, file);
}
