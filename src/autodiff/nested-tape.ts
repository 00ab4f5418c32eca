/**
 * tfjs keeps one active tape. A gradient computed inside a custom gradient
 * function while the outer backward pass runs at depth 0 (checkpointing, the
 * implicit argmin) would end by clearing the tape the outer pass is still
 * walking. `withPreservedTape` restores it afterwards. At higher depths the
 * nested computation is recorded on the outer tape, which is what makes
 * second derivatives through these functions work.
 */
import { tf } from './tf.js';

interface EngineState {
  activeTape: unknown[] | null;
  gradientDepth: number;
}

/** Runs `fn` and restores the engine's active tape afterwards. */
export function withPreservedTape<T>(fn: () => T): T {
  const state = (tf.engine() as unknown as { state: EngineState }).state;
  const tape = state.activeTape;
  try {
    return fn();
  } finally {
    state.activeTape = tape;
  }
}
