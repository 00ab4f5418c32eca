/**
 * Learning-rate schedules: functions of the step number (0-based), as optax's.
 */
import { DomainError } from '../errors.js';

/** A learning rate as a function of the step. */
export type Schedule = (step: number) => number;

/**
 * The same rate at every step.
 *
 * @example
 * ```ts
 * constantSchedule(0.1)(1000); // 0.1
 * ```
 */
export function constantSchedule(lr: number): Schedule {
  if (!(lr > 0)) throw new DomainError('learningRate', lr, 'must be positive');
  return () => lr;
}

/**
 * lr0 · decayRate^(step / decaySteps) (continuous, not staircase).
 *
 * @example
 * ```ts
 * exponentialDecay(1, 0.5, 10)(20); // 0.25
 * ```
 */
export function exponentialDecay(lr0: number, decayRate: number, decaySteps: number): Schedule {
  if (!(lr0 > 0)) throw new DomainError('lr0', lr0, 'must be positive');
  if (!(decayRate > 0)) throw new DomainError('decayRate', decayRate, 'must be positive');
  if (!(decaySteps > 0)) throw new DomainError('decaySteps', decaySteps, 'must be positive');
  return (step) => lr0 * Math.pow(decayRate, step / decaySteps);
}

/**
 * Cosine decay from lr0 to minLr over totalSteps, then minLr
 * (Loshchilov & Hutter, arXiv:1608.03983, without restarts).
 *
 * @example
 * ```ts
 * cosineDecay(1, 100, 0.1)(50); // 0.55
 * ```
 */
export function cosineDecay(lr0: number, totalSteps: number, minLr = 0): Schedule {
  if (!(lr0 > 0)) throw new DomainError('lr0', lr0, 'must be positive');
  if (!(minLr >= 0 && minLr <= lr0)) throw new DomainError('minLr', minLr, `must be in [0, lr0 = ${lr0}]`);
  if (!(totalSteps > 0)) throw new DomainError('totalSteps', totalSteps, 'must be positive');
  return (step) => {
    const t = Math.min(step, totalSteps) / totalSteps;
    return minLr + 0.5 * (lr0 - minLr) * (1 + Math.cos(Math.PI * t));
  };
}

/**
 * Linear warm-up: inner(0)·(step + 1)/(warmupSteps + 1) for the first
 * warmupSteps steps (never exactly 0), then the inner schedule shifted by
 * warmupSteps.
 *
 * @example
 * ```ts
 * warmupSchedule(constantSchedule(1), 4)(1); // 0.4
 * ```
 */
export function warmupSchedule(inner: Schedule, warmupSteps: number): Schedule {
  if (!(Number.isInteger(warmupSteps) && warmupSteps >= 0)) throw new DomainError('warmupSteps', warmupSteps, 'must be ≥ 0');
  return (step) => (step < warmupSteps ? (inner(0) * (step + 1)) / (warmupSteps + 1) : inner(step - warmupSteps));
}

/** A schedule from a number or a schedule. */
export function asSchedule(lr: number | Schedule): Schedule {
  return typeof lr === 'number' ? constantSchedule(lr) : lr;
}
