/** Random fixed-point types for the hw export tests (Verilog, reuse, HLS). */
import type { PRNGKey } from '../../src/autodiff/index.js';
import { fixedType, OVERFLOW_MODES, QUANT_MODES, type FixedType } from '../../src/hw/fixed/ap-fixed.js';

/** A random type from a key: width in [wMin, wMax], F in [0, W+1] (so I = W - F <= W), random modes. */
export function randType(key: PRNGKey, wMin: number, wMax: number, opts: { signed?: boolean; wrap?: boolean } = {}): FixedType {
  const u = key.uniforms(6);
  const width = wMin + Math.floor(u[0] * (wMax - wMin + 1));
  const f = Math.floor(u[1] * (width + 2));
  return fixedType(width, width - f, {
    signed: opts.signed ?? u[2] < 0.7,
    quant: QUANT_MODES[Math.floor(u[3] * QUANT_MODES.length)],
    overflow: opts.wrap ? 'WRAP' : OVERFLOW_MODES[Math.floor(u[4] * OVERFLOW_MODES.length)],
  });
}
