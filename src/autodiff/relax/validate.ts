/** Argument checks shared by the relaxations: positive scales, known axes. */
import { type Tensor } from '../tf.js';
import { DomainError } from '../errors.js';

/** Throws a DomainError unless a number-valued scale (temperature, width, slope) is finite and positive. */
export function assertPositiveScale(field: string, v: number | Tensor): void {
  if (typeof v === 'number' && !(Number.isFinite(v) && v > 0)) throw new DomainError(field, v, 'must be a finite positive number');
}

/** The non-negative form of `axis` for a tensor of rank `rank`, or a DomainError. */
export function normalizeAxis(axis: number, rank: number, field = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= Math.max(rank, 1)) throw new DomainError(field, axis, `must be an integer in [${-Math.max(rank, 1)}, ${Math.max(rank, 1) - 1}] for a tensor of rank ${rank}`);
  return a;
}
