/**
 * Cell geometry of the read-out grid of `src/sim/calo`: a square grid of
 * n × n cells of side s centred on the axis (n odd), cells indexed
 * c = i_x·n + i_y as the simulation's [B, L, n, n] output flattened.
 */
import { tf, type Tensor, DomainError, ShapeMismatchError } from '../../autodiff/index.js';

/** Cell centres x_c, y_c [C = n²] in cm, differentiable in the cell size. */
export interface CellCentres {
  x: Tensor;
  y: Tensor;
}

/**
 * Centres of the n × n cells of side `cellSizeCm` (tensor level).
 *
 * @example
 * ```ts
 * const { x, y } = tf.tidy(() => cellCentres(3, tf.scalar(2))); // x = [-2,-2,-2, 0,0,0, 2,2,2]
 * ```
 */
export function cellCentres(cellsPerSide: number, cellSizeCm: Tensor | number): CellCentres {
  if (!(Number.isInteger(cellsPerSide) && cellsPerSide >= 1 && cellsPerSide % 2 === 1)) throw new DomainError('cellsPerSide', cellsPerSide, 'must be an odd positive integer');
  const n = cellsPerSide;
  const ix = new Float32Array(n * n);
  const iy = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      ix[i * n + j] = i - (n - 1) / 2;
      iy[i * n + j] = j - (n - 1) / 2;
    }
  }
  const s = typeof cellSizeCm === 'number' ? tf.scalar(cellSizeCm) : cellSizeCm;
  if (s.size !== 1) throw new ShapeMismatchError('cellSizeCm', [], s.shape);
  const sc = s.reshape([]);
  return { x: tf.mul(sc, tf.tensor1d(ix)), y: tf.mul(sc, tf.tensor1d(iy)) };
}

/**
 * Flattens simulated cell energies [B, L, n, n] to [B, L, C].
 *
 * @example
 * ```ts
 * const cells = flattenCells(sim.visible); // [B, L, n²]
 * ```
 */
export function flattenCells(visible: Tensor): Tensor {
  if (visible.rank !== 4 || visible.shape[2] !== visible.shape[3]) throw new ShapeMismatchError('visible', [visible.shape[0] ?? -1, visible.shape[1] ?? -1, -1, -1], visible.shape);
  const [B, L, n] = visible.shape;
  return visible.reshape([B, L, n * n]);
}
