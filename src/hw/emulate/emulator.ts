/**
 * Bit-exact emulator of the IR's arithmetic (see ir.ts for the semantics):
 * BigInt raw values, products at full width (W_x + W_w bits), casts by the
 * exact ap_fixed rules of fixed.ts. The generated Verilog and HLS C++ must
 * reproduce its outputs bit for bit.
 *
 * @example
 * ```ts
 * const raw = emulate(ir, [[0.1, -0.3, ...]]); // raw outputs per event
 * ```
 */
import { ShapeMismatchError } from '../../autodiff/index.js';
import { castRaw, fracBits, fromNumber, rawToNumber } from '../fixed/ap-fixed.js';
import type { Layer, ModelIR } from '../ir.js';

/** Quantizes float inputs to the model's input type (raw). */
export function quantizeInputs(m: ModelIR, x: number[][]): bigint[][] {
  return x.map((row, e) => {
    if (row.length !== m.nIn) throw new ShapeMismatchError(`inputs[${e}]`, [m.nIn], [row.length]);
    return row.map((v, i) => fromNumber(v, m.inputType, `inputs[${e}][${i}]`));
  });
}

/** One layer on raw inputs with `inFrac` fractional bits. */
export function emulateLayer(l: Layer, x: bigint[], inFrac: number): bigint[] {
  switch (l.kind) {
    case 'dense': {
      const accF = fracBits(l.accumType);
      const prodF = inFrac + fracBits(l.weightType);
      const out: bigint[] = [];
      for (let j = 0; j < l.nOut; j++) {
        let acc = castRaw(l.bias[j], fracBits(l.biasType), l.accumType);
        for (let i = 0; i < l.nIn; i++) {
          const w = l.weights[i][j];
          if (w === 0n) continue;
          acc = BigInt.asIntN(l.accumType.width, acc + castRaw(x[i] * w, prodF, l.accumType));
        }
        out.push(castRaw(acc, accF, l.resultType));
      }
      return out;
    }
    case 'relu':
      return x.map((v) => castRaw(v > 0n ? v : 0n, inFrac, l.resultType));
    case 'argmax': {
      let best = 0;
      for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
      return [BigInt(best)];
    }
  }
}

/** Runs the model on raw inputs; returns raw outputs of the last layer per event. */
export function emulateRaw(m: ModelIR, xRaw: bigint[][]): bigint[][] {
  return xRaw.map((row) => {
    let v = row;
    let f = fracBits(m.inputType);
    for (const l of m.layers) {
      v = emulateLayer(l, v, f);
      f = fracBits(l.resultType);
    }
    return v;
  });
}

/** Runs the model on float inputs; returns the outputs as doubles. */
export function emulate(m: ModelIR, x: number[][]): number[][] {
  const out = emulateRaw(m, quantizeInputs(m, x));
  const f = fracBits(m.layers[m.layers.length - 1].resultType);
  return out.map((r) => r.map((v) => rawToNumber(v, f)));
}

/** Float forward pass of the same IR layers with unquantized arithmetic on the quantized weights (a reference). */
export function floatForward(m: ModelIR, x: number[][]): number[][] {
  return x.map((row) => {
    let v = row;
    for (const l of m.layers) {
      if (l.kind === 'dense') {
        const wf = fracBits(l.weightType);
        const bf = fracBits(l.biasType);
        v = Array.from({ length: l.nOut }, (_, j) => v.reduce((s, xi, i) => s + xi * rawToNumber(l.weights[i][j], wf), rawToNumber(l.bias[j], bf)));
      } else if (l.kind === 'relu') v = v.map((a) => Math.max(a, 0));
      else {
        let best = 0;
        for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        v = [best];
      }
    }
    return v;
  });
}
