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

interface TapeNode {
  inputs: Record<string, { id: number } | null | undefined>;
  outputs: { id: number }[];
}
interface TapeEngine {
  state: { activeTape: TapeNode[] | null };
  addTapeNode(...args: unknown[]): void;
}
let tapeOrderingInstalled = false;

/**
 * tfjs records the copies of a kernel's outputs that it saves for the
 * backward pass (exp, sigmoid, tanh, softmax, pow, custom ops) on the tape
 * *before* the kernel itself. The backward pass walks the tape in order to
 * find what depends on the inputs, so it drops those copies, and every second
 * derivative through a saved output silently loses a term (d²/dx² eˣ came out
 * as 0, d²/dx² x·eˣ as (x + 1)eˣ). This moves each kernel's node in front of
 * the nodes that consume its outputs. Idempotent.
 */
export function installTapeOrdering(): void {
  if (tapeOrderingInstalled) return;
  const engine = tf.engine() as unknown as TapeEngine;
  const add = engine.addTapeNode;
  engine.addTapeNode = function (this: TapeEngine, ...args: unknown[]) {
    const tape = this.state.activeTape;
    const before = tape ? tape.length : 0;
    add.apply(this, args);
    if (!tape || tape.length !== before + 1 || before === 0) return;
    const node = tape[before];
    // Only fresh outputs: a kernel that passes an input through must not jump ahead of its earlier consumers.
    const inIds = new Set(Object.values(node.inputs).map((t) => t?.id));
    const outIds = new Set(node.outputs.map((o) => o.id).filter((id) => !inIds.has(id)));
    if (outIds.size === 0) return;
    let k = before;
    while (k > 0 && Object.values(tape[k - 1].inputs).some((t) => t != null && outIds.has(t.id))) k--;
    if (k < before) {
      tape.splice(before, 1);
      tape.splice(k, 0, node);
    }
  };
  tapeOrderingInstalled = true;
}
