/**
 * Gauss-Legendre quadrature in float64: nodes and weights on [−1, 1] for
 * integrals the stages evaluate at fixed points (PDF normalizations, smeared
 * line shapes). Nodes are the roots of P_n found by Newton's method from
 * Tricomi's initial guesses; weights 2 / ((1 − x²) P_n'(x)²) (Abramowitz &
 * Stegun 25.4.29). Exact for polynomials of degree ≤ 2n − 1.
 */
import { DomainError } from './errors.js';

const cache = new Map<number, { x: number[]; w: number[] }>();

/** Nodes `x` and weights `w` of the n-point Gauss-Legendre rule on [−1, 1]. */
export function gaussLegendre(n: number): { x: number[]; w: number[] } {
  if (!(Number.isInteger(n) && n >= 1 && n <= 1000)) throw new DomainError('n', n, 'must be an integer in [1, 1000]');
  const hit = cache.get(n);
  if (hit) return { x: hit.x.slice(), w: hit.w.slice() };
  const x: number[] = [];
  const w: number[] = [];
  for (let i = 1; i <= n; i++) {
    let z = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5));
    let dp = 1;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = z;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = n === 1 ? 1 : (n * (z * p1 - p0)) / (z * z - 1);
      const dz = p1 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-15) break;
    }
    x.push(z);
    w.push(2 / ((1 - z * z) * dp * dp));
  }
  cache.set(n, { x, w });
  return { x: x.slice(), w: w.slice() };
}
