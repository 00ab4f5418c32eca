/**
 * Lateral integration over square cells. A profile component with radial
 * CDF F(r) = r²/(r² + R²) has the planar density R²/(π (r² + R²)²), whose
 * integral over the rectangle [0, X] × [0, Y] is closed-form (split the
 * rectangle at the diagonal angle and integrate F(X/cos φ) in φ):
 *
 *   Q(X, Y) = [X/√(X²+R²) · atan(Y/√(X²+R²)) + Y/√(Y²+R²) · atan(X/√(Y²+R²))] / 2π,
 *
 * odd in X and in Y, so any cell [x1, x2] × [y1, y2] receives
 * Q(x2,y2) − Q(x1,y2) − Q(x2,y1) + Q(x1,y1). Exact and differentiable in the
 * cell size, the shower position and R; Q(∞, ∞) = 1/4.
 */
import { tf, type Tensor } from '../../autodiff/index.js';

/** Q(X, Y; R) with broadcasting (see the module doc). */
export function quadrantIntegral(x: Tensor, y: Tensor, r: Tensor): Tensor {
  const r2 = tf.square(r);
  const rx = tf.sqrt(tf.add(tf.square(x), r2));
  const ry = tf.sqrt(tf.add(tf.square(y), r2));
  const t1 = tf.mul(tf.div(x, rx), tf.atan(tf.div(y, rx)));
  const t2 = tf.mul(tf.div(y, ry), tf.atan(tf.div(x, ry)));
  return tf.mul(tf.add(t1, t2), 1 / (2 * Math.PI));
}

/**
 * Fractions of one profile component in each cell of a grid.
 * `xEdges` [..., N+1, 1] and `yEdges` [..., 1, N+1] are cell edges relative to
 * the shower axis; `r` [..., 1, 1]. Returns { cells [..., N, N], covered [...] }.
 */
export function cellFractions(xEdges: Tensor, yEdges: Tensor, r: Tensor): { cells: Tensor; covered: Tensor } {
  const q = quadrantIntegral(xEdges, yEdges, r);
  const rank = q.rank;
  const n1 = q.shape[rank - 1];
  const n = n1 - 1;
  const lead = q.shape.slice(0, rank - 2);
  const zeros = lead.map(() => 0);
  const all = lead.map(() => -1);
  const sl = (i0: number, j0: number, ni: number, nj: number) => tf.slice(q, [...zeros, i0, j0], [...all, ni, nj]);
  const cells = tf.add(tf.sub(tf.sub(sl(1, 1, n, n), sl(0, 1, n, n)), sl(1, 0, n, n)), sl(0, 0, n, n));
  const covered = tf.add(tf.sub(tf.sub(sl(n, n, 1, 1), sl(0, n, 1, 1)), sl(n, 0, 1, 1)), sl(0, 0, 1, 1)).reshape(lead);
  return { cells, covered };
}
