/** Numeric assertions with tolerances, for tests of differentiable code. */
import assert from 'node:assert/strict';
import { formatGradCheck, type GradCheckResult } from './check-grad.js';

/** Asserts |a − b| ≤ atol + rtol·|b|, with a message naming `what`. */
export function assertClose(a: number, b: number, rtol: number, atol: number, what: string): void {
  const tol = atol + rtol * Math.abs(b);
  assert.ok(Number.isFinite(a) && Math.abs(a - b) <= tol, `${what}: got ${a}, expected ${b} (|diff| ${Math.abs(a - b).toExponential(3)} > tol ${tol.toExponential(3)})`);
}

/** Elementwise `assertClose` over two arrays of the same length. */
export function assertAllClose(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: length ${a.length} vs ${b.length}`);
  for (let i = 0; i < a.length; i++) assertClose(a[i], b[i], rtol, atol, `${what}[${i}]`);
}

/** Asserts a gradient check passed, printing the comparison table otherwise. */
export function assertGradOk(r: GradCheckResult, what: string): void {
  assert.ok(r.ok, `${what}: gradient check failed\n${formatGradCheck(r)}`);
}
