/**
 * Cluster seeds. `softSeed`: the position of the hottest part of a shower as
 * a smooth function of the cell energies — the centroid with weights
 * (E_c⁺/ΣE⁺)^p, which tends to the hottest cell's centre as p grows and moves
 * continuously between two cells of equal energy (a hard arg-max seed would
 * jump there and make the reconstructed energy discontinuous in the inputs).
 * `localMaxima`: hard seeds for events with several showers (host, not
 * differentiated: the seed choice is piecewise constant).
 */
import { tf, type Tensor, DomainError, ShapeMismatchError } from '../../autodiff/index.js';

/**
 * Smooth seed positions [B, 2] (x, y in cm) from cell energies [B, C] and
 * cell centres x, y [C]. Negative cells (noise) get zero weight. Tensor level.
 *
 * @example
 * ```ts
 * const seed = softSeed(tf.tensor2d([[0, 1, 9, 1, 0]]), tf.tensor1d([-2, -1, 0, 1, 2]), tf.zeros([5]), 4); // ≈ [[0, 0]]
 * ```
 */
export function softSeed(energies: Tensor, x: Tensor, y: Tensor, power = 4): Tensor {
  if (energies.rank !== 2) throw new ShapeMismatchError('energies', [-1, x.size], energies.shape);
  if (x.size !== energies.shape[1] || y.size !== energies.shape[1]) throw new ShapeMismatchError('x, y', [energies.shape[1] as number], x.shape);
  if (!(power >= 2)) throw new DomainError('power', power, 'must be ≥ 2 (the weights must be differentiable at zero energy)');
  const pos = tf.relu(energies);
  const frac = tf.div(pos, tf.add(tf.sum(pos, 1, true), 1e-20));
  const w = tf.pow(frac, power);
  const norm = tf.add(tf.sum(w, 1, true), 1e-30);
  const sx = tf.div(tf.sum(tf.mul(w, x.reshape([1, -1])), 1, true), norm);
  const sy = tf.div(tf.sum(tf.mul(w, y.reshape([1, -1])), 1, true), norm);
  return tf.concat([sx, sy], 1);
}

/**
 * Local maxima of an n × n grid of energies (host): cells above `thresholdGeV`
 * and not below any of their 8 neighbours, hottest first. Returns cell
 * indices c = i_x·n + i_y.
 *
 * @example
 * ```ts
 * localMaxima(Float32Array.from([0, 0, 0, 0, 5, 0, 0, 0, 0]), 3, 1); // [4]
 * ```
 */
export function localMaxima(energies: ArrayLike<number>, cellsPerSide: number, thresholdGeV: number): number[] {
  const n = cellsPerSide;
  if (energies.length !== n * n) throw new ShapeMismatchError('energies', [n * n], [energies.length]);
  if (!Number.isFinite(thresholdGeV)) throw new DomainError('thresholdGeV', thresholdGeV, 'must be finite');
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const e = energies[i * n + j];
      if (!(e > thresholdGeV)) continue;
      let isMax = true;
      for (let di = -1; di <= 1 && isMax; di++) {
        for (let dj = -1; dj <= 1; dj++) {
          if (di === 0 && dj === 0) continue;
          const a = i + di;
          const b = j + dj;
          if (a < 0 || b < 0 || a >= n || b >= n) continue;
          const o = energies[a * n + b];
          // ties: the first cell in index order wins
          if (o > e || (o === e && a * n + b < i * n + j)) {
            isMax = false;
            break;
          }
        }
      }
      if (isMax) out.push(i * n + j);
    }
  }
  return out.sort((p, q) => energies[q] - energies[p]);
}
