/**
 * Errors that name what went wrong: the field, the value, the shapes.
 * Every user-facing check in diffhep throws one of these.
 */

/** Base class of diffhep's errors; `field` is the dotted path of the offending input. */
export class DiffhepError extends Error {
  constructor(message: string, readonly field?: string) {
    super(message);
    this.name = 'DiffhepError';
  }
}

/** A value that is NaN or infinite where a finite number is required. */
export class NonFiniteError extends DiffhepError {
  constructor(field: string, readonly value: number, context = 'value') {
    super(`${context} of '${field}' is ${value} (expected a finite number)`, field);
    this.name = 'NonFiniteError';
  }
}

/** Two shapes that must agree and do not. */
export class ShapeMismatchError extends DiffhepError {
  constructor(field: string, readonly expected: readonly number[], readonly actual: readonly number[]) {
    super(`shape mismatch for '${field}': expected [${expected.join(', ')}], got [${actual.join(', ')}]`, field);
    this.name = 'ShapeMismatchError';
  }
}

/** A value outside its allowed domain (negative energy, bit width out of range, ...). */
export class DomainError extends DiffhepError {
  constructor(field: string, readonly value: unknown, requirement: string) {
    super(`invalid '${field}' = ${formatValue(value)}: ${requirement}`, field);
    this.name = 'DomainError';
  }
}

function formatValue(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** Throws NonFiniteError unless `v` is finite. */
export function assertFinite(field: string, v: number, context?: string): void {
  if (!Number.isFinite(v)) throw new NonFiniteError(field, v, context);
}

/** Throws NonFiniteError naming the first non-finite element of `values`. */
export function assertAllFinite(field: string, values: ArrayLike<number>, context?: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      throw new NonFiniteError(values.length > 1 ? `${field}[${i}]` : field, v, context);
    }
  }
}

/** Throws ShapeMismatchError unless the shapes are equal. */
export function assertShape(field: string, expected: readonly number[], actual: readonly number[]): void {
  if (expected.length !== actual.length || expected.some((d, i) => d !== actual[i])) {
    throw new ShapeMismatchError(field, expected, actual);
  }
}
